Feature: Reading a session
  Reading a session happens on every request a user makes, so it must be served by the cache, and
  DynamoDB, which is slower and billed per request, must not be asked while the cache has the answer.

  Rule: A cached session is served by the cache alone

    Scenario: Reading a cached session
      Given a user has a session
      When the user's session is read
      Then it is served by the cache
      And DynamoDB was not asked for any session

    Scenario: Reading a session that does not exist
      When a session that never existed is read
      Then nothing is found
