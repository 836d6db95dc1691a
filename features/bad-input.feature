Feature: Rejecting bad input
  A caller's mistake must be reported at once, with an error that says what was wrong, and must
  change nothing: no half-written session in either store.

  Rule: A session that cannot be stored faithfully is rejected before anything is written

    Scenario Outline: Signing in with <problem>
      When a user tries to sign in with <problem>
      Then the attempt is rejected as "<error>"
      And nothing was stored

      Examples: Data JSON cannot hold
        | problem                  | error                |
        | data holding a function  | INVALID_SESSION_DATA |
        | data with a cycle        | INVALID_SESSION_DATA |
        | no data at all           | INVALID_SESSION_DATA |
        | data holding a BigInt    | INVALID_SESSION_DATA |
        | data holding NaN         | INVALID_SESSION_DATA |

      Examples: Lifetimes that are not whole positive seconds
        | problem                        | error       |
        | a lifetime of 1.5 seconds      | INVALID_TTL |
        | a lifetime of 0 seconds        | INVALID_TTL |
        | a lifetime of -1 seconds       | INVALID_TTL |
        | a lifetime of NaN seconds      | INVALID_TTL |
        | a lifetime given as text       | INVALID_TTL |

      Examples: Sessions larger than DynamoDB accepts
        | problem                        | error             |
        | data of 400 KB                 | SESSION_TOO_LARGE |

      Examples: Ids of the wrong form
        | problem                        | error              |
        | the id "not-a-session-id"      | INVALID_SESSION_ID |
        | an id with a slash             | INVALID_SESSION_ID |
        | an id of 21 characters         | INVALID_SESSION_ID |
        | an id of 65 characters         | INVALID_SESSION_ID |

    Scenario: A session just under DynamoDB's limit is accepted
      When a user signs in with data of 399 KB
      Then both stores hold version 1 of the user's session

    Scenario Outline: An id a web framework chose is accepted when it is long enough to be unguessable
      When a user signs in with an id of <length> characters
      Then both stores hold version 1 of the user's session

      Examples: From 128 bits to the longest id accepted
        | length |
        | 22     |
        | 32     |
        | 64     |

  Rule: An id of the wrong form is rejected by every operation

    Scenario Outline: <operation> with a malformed id
      When a session with the id "<id>" is <operation>
      Then the attempt is rejected as "INVALID_SESSION_ID"
      And nothing was stored

      Examples:
        | operation | id                          |
        | read      | ../../etc/passwd            |
        | changed   | short                       |
        | extended  | AAAAAAAAAAAAAAAAAAAAAAAA== |
        | deleted   | *                           |

  Rule: A bad change leaves the session as it was

    Scenario Outline: Changing a session with <problem>
      Given a user has a session
      When the user's session is changed with <problem>
      Then the attempt is rejected as "<error>"
      And the user's session is unchanged in both stores

      Examples:
        | problem                   | error                |
        | data holding a function   | INVALID_SESSION_DATA |
        | data of 400 KB            | SESSION_TOO_LARGE    |
        | a lifetime of 0 seconds   | INVALID_TTL          |
        | a lifetime of 2.5 seconds | INVALID_TTL          |
