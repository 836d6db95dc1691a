Feature: Restoring the cache after a miss
  The cache may lose an entry at any time (eviction under memory pressure, a restarted node). The
  user must not notice: the session comes from DynamoDB, and the cache is put back as it was, so the
  next read is fast again and the session still ends when it was meant to.

  Rule: A miss is served by DynamoDB, and the cache is restored with the original expiry

    Scenario: An evicted session comes back from DynamoDB
      Given a user has a session lasting 10 minutes
      And the cache has evicted the user's session
      When the user's session is read
      Then it is served by DynamoDB
      And the cache holds the user's session again, expiring at the original instant

    Scenario: The read after a restore is a cache hit
      Given a user has a session that the cache has evicted
      When the user's session is read twice
      Then the reads are served by DynamoDB, then by the cache

  Rule: Many readers of one missing entry cause one DynamoDB read

    Scenario: Fifty readers of an evicted session
      Given a user has a session that the cache has evicted
      When 50 readers ask for the user's session at once
      Then all 50 readers get the user's session
      And DynamoDB was read once
