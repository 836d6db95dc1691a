Feature: Session lifetime
  A session ends at one instant, whichever store answers: if the two stores disagreed, a signed-out
  user could be let back in by the other store, or a signed-in user thrown out early.

  Rule: Both stores expire a session at the same second

    Scenario: Lifetime after signing in
      When a user signs in with a session lasting 10 minutes
      Then both stores expire the user's session at the same second

    Scenario: Extending a session
      Given a user has a session lasting 10 minutes
      When the user's session is extended to last 20 minutes
      Then both stores expire the user's session at the same second
      And the user's session expires 20 minutes from now

    Scenario: Changing a session's data keeps its lifetime
      Given a user has a session lasting 10 minutes
      When the user's data changes
      Then both stores expire the user's session at the same second
      And the user's session expires at the instant it was created with

  Rule: An expired session is gone, even while DynamoDB still holds it

    Scenario: DynamoDB keeps expired items for a while; users never see them
      Given a user has a session lasting 1 second
      When the user's session's lifetime has passed
      Then reading the user's session finds nothing
      And DynamoDB still holds the user's expired session
      And the cache does not hold the user's session

    Scenario: An expired session cannot be extended
      Given a user has a session lasting 1 second
      When the user's session's lifetime has passed
      And the user's session is extended to last 20 minutes
      Then nothing is found
