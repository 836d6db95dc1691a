Feature: Statistics per store
  Operators size the cache and DynamoDB by what each one does. The store counts, per store, every
  lookup, hit, miss, write and restore, so a mix of traffic can be explained to the request.

  Rule: The counts follow exactly from the traffic

    Scenario: A scripted mix of hits and misses
      Given 3 users have sessions
      And the cache has evicted user 1's session
      When every user's session is read twice
      And a session that never existed is read
      Then the statistics show:
        | store    | reads | hits | misses | writes | restores | errors | fallbacks |
        | cache    | 7     | 5    | 2      | 3      | 1        | 0      | 0         |
        | dynamodb | 2     | 1    | 1      | 3      | 0        | 0      | 0         |

    Scenario: Latency is measured for every operation
      Given 3 users have sessions
      When every user's session is read twice
      Then the statistics report latency percentiles for 3 creates and 6 reads
