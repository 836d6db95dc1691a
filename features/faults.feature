@fault @serial
Feature: Serving through outages
  Either store can fail at any moment: the cache when a node or the network goes, DynamoDB when a
  region or the network has trouble. Users must go on being served, and once the fault heals,
  nothing they were told was saved may be missing, and nothing older than what they saw may come back.
  Every operation is recorded, and a history checker proves it at the end of each scenario.

  Rule: With one store down every operation succeeds; with both down, nothing is acknowledged

    Scenario Outline: A user tries to <operation> while <fault>
      Given a user has a session
      And <fault>
      When the user tries to <operation>
      Then the attempt <outcome>
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

      Examples: The cache is unreachable
        | fault                    | operation          | outcome  |
        | the cache is unreachable | sign in            | succeeds |
        | the cache is unreachable | read the session   | succeeds |
        | the cache is unreachable | change the session | succeeds |
        | the cache is unreachable | extend the session | succeeds |
        | the cache is unreachable | sign out           | succeeds |

      Examples: The cache is slower than its timeout
        | fault              | operation          | outcome  |
        | the cache is slow  | sign in            | succeeds |
        | the cache is slow  | read the session   | succeeds |
        | the cache is slow  | change the session | succeeds |
        | the cache is slow  | extend the session | succeeds |
        | the cache is slow  | sign out           | succeeds |

      Examples: Every connection to the cache is reset
        | fault                                  | operation          | outcome  |
        | every connection to the cache is reset | sign in            | succeeds |
        | every connection to the cache is reset | read the session   | succeeds |
        | every connection to the cache is reset | change the session | succeeds |
        | every connection to the cache is reset | extend the session | succeeds |
        | every connection to the cache is reset | sign out           | succeeds |

      @local-only
      Examples: A cache shard loses its primary
        | fault                                                         | operation          | outcome  |
        | the cache shard holding the user's session loses its primary | sign in            | succeeds |
        | the cache shard holding the user's session loses its primary | read the session   | succeeds |
        | the cache shard holding the user's session loses its primary | change the session | succeeds |
        | the cache shard holding the user's session loses its primary | extend the session | succeeds |
        | the cache shard holding the user's session loses its primary | sign out           | succeeds |

      @local-only
      Examples: DynamoDB is unreachable
        | fault                   | operation          | outcome  |
        | DynamoDB is unreachable | sign in            | succeeds |
        | DynamoDB is unreachable | read the session   | succeeds |
        | DynamoDB is unreachable | change the session | succeeds |
        | DynamoDB is unreachable | extend the session | succeeds |
        | DynamoDB is unreachable | sign out           | succeeds |

      @local-only
      Examples: DynamoDB is slow
        | fault            | operation          | outcome  |
        | DynamoDB is slow | sign in            | succeeds |
        | DynamoDB is slow | read the session   | succeeds |
        | DynamoDB is slow | change the session | succeeds |
        | DynamoDB is slow | extend the session | succeeds |
        | DynamoDB is slow | sign out           | succeeds |

      @local-only
      Examples: Both stores are unreachable
        | fault                       | operation          | outcome                                |
        | both stores are unreachable | sign in            | is rejected as "STORE_UNAVAILABLE" |
        | both stores are unreachable | read the session   | is rejected as "STORE_UNAVAILABLE" |
        | both stores are unreachable | change the session | is rejected as "STORE_UNAVAILABLE" |
        | both stores are unreachable | extend the session | is rejected as "STORE_UNAVAILABLE" |
        | both stores are unreachable | sign out           | is rejected as "STORE_UNAVAILABLE" |
