@http
Feature: The session service over HTTP
  Applications and operators reach the store through its HTTP service. A client's mistake must get
  a clear answer with a stable error code and never a stack trace, and the health endpoint must tell
  an operator, within a second, which store is down.

  Rule: Bad requests get a clear answer and change nothing

    Scenario Outline: A client sends <request>
      When a client sends <request>
      Then the service answers <status> with the error code "<code>"
      And the answer reveals nothing of the service's internals

      Examples:
        | request                               | status | code               |
        | a body that is not JSON               | 400    | MALFORMED_JSON     |
        | a body larger than the service takes  | 413    | BODY_TOO_LARGE     |
        | a request for an unknown session      | 404    | SESSION_NOT_FOUND  |
        | a session id of the wrong form        | 400    | INVALID_SESSION_ID |
        | a method the route does not accept    | 405    | METHOD_NOT_ALLOWED |

  Rule: The health endpoint says which store is down, within a second

    Scenario: Both stores answer
      When an operator asks for the service's health
      Then the service reports "ok" within a second

    Scenario: The cache is unreachable
      Given the cache is unreachable
      When an operator asks for the service's health
      Then the service reports "degraded" with the cache down, within a second

    Scenario: DynamoDB is unreachable
      Given DynamoDB is unreachable
      When an operator asks for the service's health
      Then the service reports "degraded" with DynamoDB down, within a second

    @local-only
    Scenario: Both stores are unreachable
      Given both stores are unreachable
      When an operator asks for the service's health
      Then the service answers 503 and reports "down" within a second
