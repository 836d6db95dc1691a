# shellcheck shell=bash
# What deploy.sh and teardown.sh share: defaults, the prerequisite checks, and how a stack's status is
# read and waited for. Sourced after the script has defined fail() and checked that aws is on PATH.
# Written for bash 3.2 (macOS) and later.

REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-ap-northeast-1}}"
STACK_NAME="${STACK_NAME:-hybrid-session-store}"
# The template's ProjectName default; PROJECT_NAME stays empty unless given, so that an update keeps
# the stack's own value.
# shellcheck disable=SC2034 # read by deploy.sh and teardown.sh
DEFAULT_PROJECT_NAME=hybrid-session-store
PROJECT_NAME="${PROJECT_NAME:-}"
# The CLI would page long output through less and wait for a key.
export AWS_PAGER=""
# Creating or deleting a six-node ElastiCache cluster takes 10-25 minutes; 45 leaves room.
STACK_WAIT_TIMEOUT_SECONDS="${STACK_WAIT_TIMEOUT_SECONDS:-2700}"
POLL_INTERVAL_SECONDS="${POLL_INTERVAL_SECONDS:-30}"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

check_region_and_credentials() {
  if ! [[ "$REGION" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]]; then
    fail "region '$REGION' is not an AWS region name (set AWS_REGION, e.g. ap-northeast-1)."
  fi
  # The results bucket is named <stack>-<12-digit account>-results, and a bucket name has at most
  # 63 characters, all lowercase.
  if ! [[ "$STACK_NAME" =~ ^[a-z][a-z0-9-]{0,41}$ ]] || [[ "$STACK_NAME" == xn--* ]]; then
    fail "STACK_NAME '$STACK_NAME' must be 1 to 42 lowercase letters, digits and hyphens, starting with a letter (it becomes part of the results bucket's name)."
  fi
  if ! aws sts get-caller-identity --region "$REGION" --query Account --output text \
    >"$WORK/account" 2>"$WORK/sts.err"; then
    fail "AWS credentials do not work (aws sts get-caller-identity failed): $(tail -n 1 "$WORK/sts.err")"
  fi
  echo "Account $(cat "$WORK/account"), region $REGION, stack $STACK_NAME."
}

# Prints the stack's status, or ABSENT when CloudFormation does not know the name.
stack_status() {
  if aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK_NAME" \
    --query 'Stacks[0].StackStatus' --output text >"$WORK/status" 2>"$WORK/status.err"; then
    cat "$WORK/status"
  elif grep -q 'does not exist' "$WORK/status.err"; then
    echo ABSENT
  else
    echo "${0##*/}: cannot describe stack $STACK_NAME: $(cat "$WORK/status.err")" >&2
    return 1
  fi
}

# Polls until the stack leaves every *_IN_PROGRESS state, then prints that status (ABSENT once deleted).
wait_for_stack() {
  local deadline=$((SECONDS + STACK_WAIT_TIMEOUT_SECONDS)) status
  while :; do
    status=$(stack_status) || return 1
    case "$status" in
      REVIEW_IN_PROGRESS) break ;; # a change set waiting for a person never finishes by itself
      *_IN_PROGRESS) ;;
      *) break ;;
    esac
    if ((SECONDS >= deadline)); then
      echo "${0##*/}: stack $STACK_NAME is still $status after ${STACK_WAIT_TIMEOUT_SECONDS}s; see the CloudFormation console." >&2
      return 1
    fi
    echo "  ... $status" >&2
    sleep "$POLL_INTERVAL_SECONDS"
  done
  echo "$status"
}

# Prints one parameter's value as the stack has it (None when it has no such parameter).
stack_parameter() {
  aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK_NAME" --output text \
    --query "Stacks[0].Parameters[?ParameterKey=='$1'].ParameterValue | [0]"
}

show_failure_events() {
  echo "Most recent failures of stack $STACK_NAME:" >&2
  aws cloudformation describe-stack-events --region "$REGION" --stack-name "$STACK_NAME" \
    --max-items 50 --output text \
    --query "StackEvents[?contains(ResourceStatus, 'FAILED')].[Timestamp,LogicalResourceId,ResourceStatus,ResourceStatusReason]" \
    >&2 || true
}
