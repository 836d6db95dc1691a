Feature: Creating a session
  A session must outlive the loss of the cache, so it is written to the cache and to DynamoDB at once.
  The two copies must be the same bytes and expire at the same instant, or a user would see a
  different session, or lose it early, depending on which store answers.

  Rule: A new session is stored in the cache and in DynamoDB alike

    Scenario: Both stores hold the same session
      When a user signs in with a session lasting 30 minutes
      Then the cache and DynamoDB hold the same bytes for the user's session
      And both stores hold version 1 of the user's session
      And both stores expire the user's session at the same second

    Scenario: A session lives at least as long as asked
      When a user signs in with a session lasting 90 seconds
      Then the user's session expires 90 seconds from now

    Scenario: A session without a lifetime gets the default one
      When a user signs in
      Then the user's session expires 30 minutes from now

  Rule: Every session gets an id nobody can guess

    Scenario: Ids are long, random and distinct
      When 100 users sign in at once
      Then every session id is 24 characters of base64url
      And no two users share a session id
