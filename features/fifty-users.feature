Feature: Fifty users at once
  Sessions are created and read by many users at the same moment. Concurrency must not lose a
  session or send readers to DynamoDB while the cache holds their session.

  Rule: Concurrent users are each served from the cache

    Scenario: Fifty users sign in at once
      When 50 users sign in at once
      Then both stores hold every user's session
      And every user's session is readable
      And 50 reads are served by the cache and 0 by DynamoDB

    Scenario: Fifty users, ten of whom the cache has evicted
      Given 50 users have signed in at once
      And the cache has evicted the sessions of 10 users
      When every user's session is read
      Then 40 reads are served by the cache and 10 by DynamoDB
      And the statistics show:
        | store    | reads | hits | misses | restores |
        | cache    | 50    | 40   | 10     | 10       |
        | dynamodb | 10    | 10   | 0      | 0        |
