@perf
Feature: Many users at once, in a realistic mix
  A signed-in user reads their session on nearly every request and now and then extends it or
  changes it. With many users doing so at the same moment, the cache must still answer almost every
  lookup, and the cache and DynamoDB must agree on every session when the rush is over.

  Background:
    Given 50 users have signed in at once

  Rule: A busy mix of reads, extensions and changes is served from the cache and leaves both stores in agreement

    Scenario: Fifty users read, extend and change their sessions at the same time
      When each user makes 200 requests: 80 % reads, 10 % extensions and 10 % changes
      Then no request failed
      And at least 99 % of the cache lookups found the session
      And both stores hold the same bytes, version and expiry of every user's session

  Rule: When the cache goes away in the middle of the rush, nobody notices and the cache takes over again once it is back

    @fault @serial
    Scenario: Fifty users keep working while the cache goes away and comes back
      When each user makes 400 requests: 80 % reads, 10 % extensions and 10 % changes, while the cache goes away and comes back
      Then no request failed
      And at least 99 % of the reads in the last fifth of the run were served by the cache
      And once every fault heals, nothing acknowledged was lost and nothing stale was served
      And both stores hold the same bytes, version and expiry of every user's session
