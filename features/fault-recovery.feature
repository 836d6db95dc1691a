@fault @serial
Feature: Recovering from outages
  An outage ends, and the system must return to normal by itself: the cache serving reads again,
  the writes DynamoDB missed reaching it, and no stale copy surviving in the cache.

  Rule: When the cache comes back, it serves reads again

    Scenario: The hit ratio recovers after the cache returns
      Given 10 users have sessions
      And the cache is unreachable
      When every user's session is read
      And the cache comes back
      Then every user's session is soon served by the cache again

  Rule: Writes acknowledged while DynamoDB was down reach it when it returns

    @local-only
    Scenario: The journal is replayed when DynamoDB comes back
      Given 5 users have sessions
      And DynamoDB is unreachable
      When every user's data changes
      And DynamoDB comes back
      Then DynamoDB soon holds every user's latest session
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

    @local-only
    Scenario: Under the strict policy, writes wait for DynamoDB
      Given the store refuses writes that DynamoDB cannot take
      And a user has a session
      And DynamoDB is unreachable
      When the user tries to change the session
      Then the attempt is rejected as "STORE_UNAVAILABLE"
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

  Rule: A session changed while the cache was unreachable is never served stale

    Scenario: The partition heals
      Given 5 users have sessions
      And the cache is unreachable
      When every user's data changes
      And user 1 signs out
      And the cache comes back
      Then every user reads their latest version, and user 1 reads nothing
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

  Rule: Fifty users through a fault that comes and goes lose nothing

    Scenario Outline: Fifty users while <fault> comes and goes
      Given 50 users have sessions
      When the users keep reading and changing their sessions while <fault> comes and goes
      Then every operation succeeded
      And once every fault heals, nothing acknowledged was lost and nothing stale was served

      Examples: Faults of the cache's network
        | fault                    |
        | the cache is unreachable |
        | the cache is slow        |

      @local-only
      Examples: Faults that need a node killed or DynamoDB proxied
        | fault                                                      |
        | the cache shard holding user 1's session loses its primary |
        | DynamoDB is unreachable                                    |
