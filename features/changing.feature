Feature: Changing a session
  A change to a session must reach both stores as one new version, and a slower, older write must
  never replace a newer one, or users would see their changes undone.

  Rule: A change is a new version in both stores

    Scenario: Changing a user's data
      Given a user has a session
      When the user's data changes
      Then both stores hold version 2 of the user's session
      And the cache and DynamoDB hold the same bytes for the user's session
      And reading the user's session returns the new data

    Scenario: Changing a session that does not exist
      When the data of a session that never existed is changed
      Then the attempt is rejected as "SESSION_NOT_FOUND"

  Rule: Concurrent changes are applied one at a time, none lost silently

    Scenario: Ten changes at once
      Given a user has a session
      When 10 changes to the user's data are made at once
      Then each change is acknowledged with a version of its own or rejected as "CONCURRENT_UPDATE"
      And both stores hold the last acknowledged version of the user's session
