Feature: Signing out
  Signing out must end the session everywhere: a copy left in either store would let the session
  be used again.

  Rule: Deleting removes the session from both stores

    Scenario: A signed-out session is gone from both stores
      Given a user has a session
      When the user signs out
      Then neither store holds the user's session
      And reading the user's session finds nothing

    Scenario: A signed-out session is not brought back by a later miss
      Given a user has a session that the cache has evicted
      When the user signs out
      Then reading the user's session finds nothing
      And neither store holds the user's session

    Scenario: Signing out twice
      Given a user has a session
      When the user signs out
      And the user signs out
      Then the store reports that nothing was deleted
