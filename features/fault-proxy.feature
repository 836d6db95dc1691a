@fault @serial
Feature: Every connection goes through the fault proxy
  A fault injected at the proxy proves nothing if the store can reach a server around it. The
  store is given every node's proxy address, and must never connect to a node directly, not even
  after the cluster's topology changes under it.

  Rule: The store reaches the cache only through the fault proxy

    Scenario: No connection bypasses the proxy
      Given 20 users have sessions
      When every user's session is read
      Then every cache node sees the store only through the fault proxy

    @local-only
    Scenario: No connection bypasses the proxy after a failover
      Given 20 users have sessions
      And the cache shard holding user 1's session loses its primary
      When the cache serves user 1's session again
      Then every cache node sees the store only through the fault proxy

    Scenario: With every cache proxy disabled, no cache operation succeeds
      Given the cache is unreachable
      When 20 users sign in at once
      And every user's session is read
      Then 0 reads are served by the cache and 20 by DynamoDB
      And the cache took no write and served no hit
