@servers @fault @local-only
Feature: Many app servers share one cache and one table
  Several app servers serve the same sessions, and any request may reach any of them. A fault that
  cuts one server off from a store must not let the others serve what it changed stale for longer
  than the cache lease, nor lose what it acknowledged, nor show what it refused.

  Background:
    Given two app servers
    And a user has a session

  Rule: A change through a server cut off from the cache reaches the others within the lease

    Scenario: A change through a server cut off from the cache
      Given app server A is cut off from the cache
      When the user's data changes through app server A
      Then app server B serves the user's new data within the cache lease
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

    Scenario: A sign-out through a server cut off from the cache
      Given app server A is cut off from the cache
      When the user signs out through app server A
      Then app server B finds no session for the user within the cache lease
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

    Scenario: A server started after a sign-out does not serve the signed-out session
      Given app server A is cut off from the cache
      When the user signs out through app server A
      And app server B is killed
      And app server B starts again
      Then app server B finds no session for the user within the cache lease

  Rule: What a server journalled while DynamoDB was away is every server's to replay

    Scenario: A peer replays what a killed server journalled
      Given app server A is cut off from DynamoDB
      When the user's data changes through app server A
      And app server A is killed
      Then DynamoDB soon holds the user's latest session

    Scenario: A peer's read after an eviction returns the journalled change
      Given app server A is cut off from DynamoDB
      When the user's data changes through app server A
      And the cache has evicted the user's session
      Then reading the user's session through app server B returns the new data

    Scenario Outline: A peer's <operation> builds on the journalled change
      Given app server A is cut off from DynamoDB
      When the user's data changes through app server A
      And the user tries to <operation> through app server B
      Then the attempt succeeds
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

      Examples:
        | operation          |
        | extend the session |
        | change the session |
        | sign out           |

    Scenario: A journalled change waits for a replica to hold it
      Given every app server is cut off from DynamoDB
      And the replica holding the user's session is paused
      When the user tries to change the session through app server A
      Then the attempt's outcome is unknown
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

  Rule: Every operation succeeds within its bound under any one fault, on one server or all

    Scenario Outline: A user tries to <operation> through app server A while <fault>
      Given <fault>
      When the user tries to <operation> through app server A
      Then the attempt succeeds within 6 seconds
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

      Examples: The cache is cut off
        | fault                                      | operation          |
        | app server A is cut off from the cache     | sign in            |
        | app server A is cut off from the cache     | read the session   |
        | app server A is cut off from the cache     | change the session |
        | app server A is cut off from the cache     | extend the session |
        | app server A is cut off from the cache     | sign out           |
        | every app server is cut off from the cache | sign in            |
        | every app server is cut off from the cache | read the session   |
        | every app server is cut off from the cache | change the session |
        | every app server is cut off from the cache | extend the session |
        | every app server is cut off from the cache | sign out           |

      Examples: DynamoDB is cut off
        | fault                                     | operation          |
        | app server A is cut off from DynamoDB     | sign in            |
        | app server A is cut off from DynamoDB     | read the session   |
        | app server A is cut off from DynamoDB     | change the session |
        | app server A is cut off from DynamoDB     | extend the session |
        | app server A is cut off from DynamoDB     | sign out           |
        | every app server is cut off from DynamoDB | sign in            |
        | every app server is cut off from DynamoDB | read the session   |
        | every app server is cut off from DynamoDB | change the session |
        | every app server is cut off from DynamoDB | extend the session |
        | every app server is cut off from DynamoDB | sign out           |

      Examples: The cache never answers
        | fault                                  | operation          |
        | the cache never answers app server A   | sign in            |
        | the cache never answers app server A   | read the session   |
        | the cache never answers app server A   | change the session |
        | the cache never answers app server A   | extend the session |
        | the cache never answers app server A   | sign out           |
        | the cache never answers any app server | sign in            |
        | the cache never answers any app server | read the session   |
        | the cache never answers any app server | change the session |
        | the cache never answers any app server | extend the session |
        | the cache never answers any app server | sign out           |

      Examples: DynamoDB never answers
        | fault                                 | operation          |
        | DynamoDB never answers app server A   | sign in            |
        | DynamoDB never answers app server A   | read the session   |
        | DynamoDB never answers app server A   | change the session |
        | DynamoDB never answers app server A   | extend the session |
        | DynamoDB never answers app server A   | sign out           |
        | DynamoDB never answers any app server | sign in            |
        | DynamoDB never answers any app server | read the session   |
        | DynamoDB never answers any app server | change the session |
        | DynamoDB never answers any app server | extend the session |
        | DynamoDB never answers any app server | sign out           |

      Examples: The cache's answers are lost
        | fault                                              | operation          |
        | app server A loses every answer from the cache     | sign in            |
        | app server A loses every answer from the cache     | read the session   |
        | app server A loses every answer from the cache     | change the session |
        | app server A loses every answer from the cache     | extend the session |
        | app server A loses every answer from the cache     | sign out           |
        | every app server loses every answer from the cache | sign in            |
        | every app server loses every answer from the cache | read the session   |
        | every app server loses every answer from the cache | change the session |
        | every app server loses every answer from the cache | extend the session |
        | every app server loses every answer from the cache | sign out           |

      Examples: DynamoDB's answers are lost
        | fault                                             | operation          |
        | app server A loses every answer from DynamoDB     | sign in            |
        | app server A loses every answer from DynamoDB     | read the session   |
        | app server A loses every answer from DynamoDB     | change the session |
        | app server A loses every answer from DynamoDB     | extend the session |
        | app server A loses every answer from DynamoDB     | sign out           |
        | every app server loses every answer from DynamoDB | sign in            |
        | every app server loses every answer from DynamoDB | read the session   |
        | every app server loses every answer from DynamoDB | change the session |
        | every app server loses every answer from DynamoDB | extend the session |
        | every app server loses every answer from DynamoDB | sign out           |

      Examples: The cache answers too late
        | fault                                       | operation          |
        | the cache answers app server A too late     | sign in            |
        | the cache answers app server A too late     | read the session   |
        | the cache answers app server A too late     | change the session |
        | the cache answers app server A too late     | extend the session |
        | the cache answers app server A too late     | sign out           |
        | the cache answers every app server too late | sign in            |
        | the cache answers every app server too late | read the session   |
        | the cache answers every app server too late | change the session |
        | the cache answers every app server too late | extend the session |
        | the cache answers every app server too late | sign out           |

      Examples: DynamoDB answers too late
        | fault                                      | operation          |
        | DynamoDB answers app server A too late     | sign in            |
        | DynamoDB answers app server A too late     | read the session   |
        | DynamoDB answers app server A too late     | change the session |
        | DynamoDB answers app server A too late     | extend the session |
        | DynamoDB answers app server A too late     | sign out           |
        | DynamoDB answers every app server too late | sign in            |
        | DynamoDB answers every app server too late | read the session   |
        | DynamoDB answers every app server too late | change the session |
        | DynamoDB answers every app server too late | extend the session |
        | DynamoDB answers every app server too late | sign out           |

      Examples: A primary pauses
        | fault                                            | operation          |
        | the primary holding the user's session is paused | sign in            |
        | the primary holding the user's session is paused | read the session   |
        | the primary holding the user's session is paused | change the session |

      Examples: A replica pauses
        | fault                                            | operation          |
        | the replica holding the user's session is paused | change the session |
        | the replica holding the user's session is paused | sign out           |

      Examples: The cache loses its data
        | fault                    | operation          |
        | the cache loses its data | read the session   |
        | the cache loses its data | extend the session |
        | the cache loses its data | change the session |

      Examples: Another app server dies
        | fault                  | operation          |
        | app server B is killed | change the session |
        | app server B is killed | sign out           |

      Examples: A clock runs ahead
        | fault                                     | operation          |
        | app server A's clock runs 2 seconds ahead | sign in            |
        | app server A's clock runs 2 seconds ahead | extend the session |
