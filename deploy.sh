#!/usr/bin/env bash
# Deploys the hybrid session store stack (infra/elasticache-valkey-stack.yaml), prints its outputs
# and hourly cost, uploads the scenario suite for `npm run features:aws`, and installs it on the
# stack's instance as the session service (systemd unit session-service, port 8000 on loopback).
# Idempotent: it describes what exists, then creates, updates, recovers or refuses.
# Environment: AWS_REGION / AWS_DEFAULT_REGION (default ap-northeast-1), STACK_NAME (default
# hybrid-session-store, at most 42 lowercase characters), the template parameters PROJECT_NAME,
# TABLE_NAME, INSTANCE_TYPE, CACHE_NODE_TYPE, CREATE_DYNAMODB_ENDPOINT, POINT_IN_TIME_RECOVERY and
# IMAGE_ID (on an update, each one not given keeps the stack's value; the AMI is resolved once, at
# creation, and moves to the newest Amazon Linux 2023 only with REFRESH_IMAGE=1),
# STACK_WAIT_TIMEOUT_SECONDS (default 2700), SERVICE_INSTALL_TIMEOUT_SECONDS (default 1800),
# POLL_INTERVAL_SECONDS (default 30).
# Needs aws, git, npm and this checkout's node_modules (npm ci): it compiles the service it uploads.
# Written for bash 3.2 (macOS) and later.
set -euo pipefail

fail() {
  echo "deploy.sh: $*" >&2
  exit 1
}

# Checked before anything else runs a program, so that a missing CLI gets its own sentence.
if ! command -v aws >/dev/null 2>&1; then
  fail "the AWS CLI (aws) is not on PATH; install it: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
fi
if ! command -v git >/dev/null 2>&1; then
  fail "git is not on PATH; it packs the scenario suite that the stack's instance runs."
fi
if ! command -v npm >/dev/null 2>&1; then
  fail "npm is not on PATH; it compiles the service that the stack's instance runs (npm run build:service)."
fi

case "${BASH_SOURCE[0]}" in */*) ROOT=${BASH_SOURCE[0]%/*} ;; *) ROOT=. ;; esac
ROOT=$(cd "$ROOT" && pwd)
# Checked with the scripts by `shellcheck -x deploy.sh teardown.sh aws/stack.sh`.
# shellcheck source=aws/stack.sh disable=SC1091
source "$ROOT/aws/stack.sh"
TEMPLATE="$ROOT/infra/elasticache-valkey-stack.yaml"
SUITE_KEY="suite/suite.tar.gz"
# Every parameter of the template (test/infra checks the list), each set from the variable
# parameter_variable names.
STACK_PARAMETERS="ProjectName TableName InstanceType CacheNodeType CreateDynamoDbEndpoint PointInTimeRecovery ImageId"
# The newest Amazon Linux 2023 x86_64 AMI, as AWS publishes it; read once, then pinned in the stack.
IMAGE_PARAMETER=/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
# Waiting for the instance's SSM agent, its first boot and `npm ci` there.
SERVICE_INSTALL_TIMEOUT_SECONDS="${SERVICE_INSTALL_TIMEOUT_SECONDS:-1800}"
# CloudFormation accepts at most 51,200 bytes in --template-body; larger needs an S3 template URL.
TEMPLATE_BODY_LIMIT_BYTES=51200

# On-demand list prices in USD, ap-northeast-1 (Tokyo), as published when this script was written.
# They are list prices to check before trusting the total: https://aws.amazon.com/elasticache/pricing/,
# https://aws.amazon.com/ec2/pricing/on-demand/, https://aws.amazon.com/vpc/pricing/ (Public IPv4),
# https://aws.amazon.com/ebs/pricing/.
PRICE_CACHE_T3_MICRO_HOUR=0.0208 # ElastiCache for Valkey: Redis OSS list price 0.026 less Valkey's 20%
PRICE_EC2_T3_MICRO_HOUR=0.0136   # Linux on-demand
PRICE_PUBLIC_IPV4_HOUR=0.005     # every public IPv4 address, in use or not
PRICE_EBS_GP3_GB_MONTH=0.096     # the instance's root volume
CACHE_NODES=6                    # 3 shards x (1 primary + 1 replica)
ROOT_VOLUME_GB=8                 # Amazon Linux 2023 AMI default
HOURS_PER_MONTH=730

check_prerequisites() {
  check_region_and_credentials
  [[ -f "$TEMPLATE" ]] || fail "the template $TEMPLATE does not exist."
  [[ -d "$ROOT/node_modules" ]] || fail "$ROOT/node_modules is missing; run npm ci first (deploy.sh compiles the service with it)."
  local size
  size=$(wc -c <"$TEMPLATE" | tr -d ' ')
  if ((size > TEMPLATE_BODY_LIMIT_BYTES)); then
    fail "the template is $size bytes; CloudFormation accepts at most $TEMPLATE_BODY_LIMIT_BYTES inline."
  fi
  if ! aws cloudformation validate-template --region "$REGION" --template-body "file://$TEMPLATE" \
    >/dev/null 2>"$WORK/validate.err"; then
    fail "CloudFormation rejects the template: $(cat "$WORK/validate.err")"
  fi
  echo "The template is valid."
}

# The environment variable that sets a template parameter, e.g. InstanceType -> INSTANCE_TYPE.
parameter_variable() {
  case "$1" in
    ProjectName) echo PROJECT_NAME ;;
    TableName) echo TABLE_NAME ;;
    InstanceType) echo INSTANCE_TYPE ;;
    CacheNodeType) echo CACHE_NODE_TYPE ;;
    CreateDynamoDbEndpoint) echo CREATE_DYNAMODB_ENDPOINT ;;
    PointInTimeRecovery) echo POINT_IN_TIME_RECOVERY ;;
    ImageId) echo IMAGE_ID ;;
    *) fail "no variable sets template parameter $1" ;;
  esac
}

# The AMI a new instance gets: IMAGE_ID, or the newest Amazon Linux 2023 that AWS publishes.
newest_image() {
  local image
  image=$(aws ssm get-parameter --region "$REGION" --name "$IMAGE_PARAMETER" \
    --query Parameter.Value --output text) || fail "cannot read the Amazon Linux 2023 AMI from SSM ($IMAGE_PARAMETER)."
  [[ "$image" == ami-* ]] || fail "SSM parameter $IMAGE_PARAMETER holds '$image', not an AMI id."
  echo "$image"
}

# One --parameters word per template parameter: the given value; on an update, UsePreviousValue for
# one not given (a plain update must not reset a bigger node type to the default); otherwise
# nothing, so the template's default applies. The AMI is always pinned: resolved once, when the
# stack (or its ImageId parameter) is new, or when REFRESH_IMAGE=1 asks for the newest.
# Usage: stack_parameters create|update
stack_parameters() {
  local mode=$1 previous="" name variable value
  if [[ "$mode" == update ]]; then
    previous=" $(aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK_NAME" \
      --query 'Stacks[0].Parameters[].ParameterKey' --output text | tr '\t' ' ') "
  fi
  for name in $STACK_PARAMETERS; do
    variable=$(parameter_variable "$name")
    value=${!variable:-}
    if [[ "$name" == ImageId && -z "$value" ]]; then
      if [[ "${REFRESH_IMAGE:-}" == 1 || "$previous" != *" ImageId "* ]]; then value=$(newest_image); fi
    fi
    if [[ -n "$value" ]]; then
      echo "ParameterKey=$name,ParameterValue=$value"
    elif [[ "$previous" == *" $name "* ]]; then
      echo "ParameterKey=$name,UsePreviousValue=true"
    fi
  done
}

create_stack() {
  local parameters
  parameters=$(stack_parameters create)
  echo "Creating stack $STACK_NAME (ElastiCache takes 10-25 minutes)..."
  # shellcheck disable=SC2086 # one word per parameter, none contains a space
  aws cloudformation create-stack --region "$REGION" --stack-name "$STACK_NAME" \
    --template-body "file://$TEMPLATE" --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM \
    --parameters $parameters >/dev/null
  local status
  status=$(wait_for_stack)
  if [[ "$status" != CREATE_COMPLETE ]]; then
    show_failure_events
    fail "creating stack $STACK_NAME ended in $status; run ./deploy.sh again once the cause is fixed (it recovers from ROLLBACK_COMPLETE)."
  fi
  echo "Stack $STACK_NAME created."
}

update_stack() {
  local parameters
  parameters=$(stack_parameters update)
  echo "Updating stack $STACK_NAME..."
  # shellcheck disable=SC2086 # one word per parameter, none contains a space
  if ! aws cloudformation update-stack --region "$REGION" --stack-name "$STACK_NAME" \
    --template-body "file://$TEMPLATE" --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM \
    --parameters $parameters >/dev/null 2>"$WORK/update.err"; then
    if grep -q 'No updates are to be performed' "$WORK/update.err"; then
      echo "Stack $STACK_NAME is already up to date."
      return 0
    fi
    fail "updating stack $STACK_NAME was refused: $(cat "$WORK/update.err")"
  fi
  local status
  status=$(wait_for_stack)
  if [[ "$status" != UPDATE_COMPLETE ]]; then
    show_failure_events
    fail "updating stack $STACK_NAME ended in $status; the previous version is still in place if it rolled back."
  fi
  echo "Stack $STACK_NAME updated."
}

delete_failed_creation() {
  echo "Stack $STACK_NAME is ROLLBACK_COMPLETE (its creation failed and it cannot be updated): deleting it to create it again."
  show_failure_events
  aws cloudformation delete-stack --region "$REGION" --stack-name "$STACK_NAME"
  local status
  status=$(wait_for_stack)
  [[ "$status" == ABSENT ]] || fail "deleting the failed stack $STACK_NAME ended in $status."
}

deploy() {
  local status
  status=$(stack_status)
  case "$status" in
    REVIEW_IN_PROGRESS) ;;
    *_IN_PROGRESS)
      echo "Stack $STACK_NAME is $status; waiting for that to finish first."
      status=$(wait_for_stack)
      ;;
  esac
  case "$status" in
    ABSENT) create_stack ;;
    ROLLBACK_COMPLETE)
      delete_failed_creation
      create_stack
      ;;
    CREATE_COMPLETE | UPDATE_COMPLETE | UPDATE_ROLLBACK_COMPLETE | IMPORT_COMPLETE | IMPORT_ROLLBACK_COMPLETE)
      update_stack
      ;;
    REVIEW_IN_PROGRESS)
      fail "stack $STACK_NAME only holds a change set waiting for review (REVIEW_IN_PROGRESS); execute it or delete the stack (./teardown.sh), then run ./deploy.sh again."
      ;;
    UPDATE_ROLLBACK_FAILED)
      show_failure_events
      fail "stack $STACK_NAME is UPDATE_ROLLBACK_FAILED; fix the cause above, then: aws cloudformation continue-update-rollback --region $REGION --stack-name $STACK_NAME"
      ;;
    DELETE_FAILED)
      show_failure_events
      fail "stack $STACK_NAME is DELETE_FAILED; remove what blocks the deletion (see above) and run ./teardown.sh."
      ;;
    *)
      show_failure_events
      fail "stack $STACK_NAME is $status, a failed state this script does not repair; see the events above, or remove it with ./teardown.sh."
      ;;
  esac
}

# Prints one output's value, or fails naming the missing output.
stack_output() {
  local value
  if ! value=$(aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK_NAME" --output text \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]"); then
    fail "cannot read the outputs of stack $STACK_NAME."
  fi
  if [[ -z "$value" || "$value" == None ]]; then
    fail "stack $STACK_NAME has no output $1; is the template the one this script expects?"
  fi
  echo "$value"
}

print_outputs() {
  echo "Outputs of stack $STACK_NAME:"
  aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK_NAME" --output text \
    --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' >"$WORK/outputs"
  local key value
  while IFS=$'\t' read -r key value; do
    if [[ -z "$key" || "$key" == None ]]; then continue; fi
    printf '  %-30s %s\n' "$key" "$value"
  done <"$WORK/outputs"
}

print_image() {
  echo
  echo "The instance runs AMI $(stack_parameter ImageId), pinned in the stack: an update keeps it."
  echo "  REFRESH_IMAGE=1 ./deploy.sh moves it to the newest Amazon Linux 2023 (that replaces the instance)."
}

print_cost_estimate() {
  local instance_type cache_node_type
  instance_type=$(stack_parameter InstanceType)
  cache_node_type=$(stack_parameter CacheNodeType)
  echo
  echo "Estimated cost while the stack exists (on-demand list prices for ap-northeast-1; check them):"
  awk -v cache="$PRICE_CACHE_T3_MICRO_HOUR" -v ec2="$PRICE_EC2_T3_MICRO_HOUR" \
    -v ipv4="$PRICE_PUBLIC_IPV4_HOUR" -v ebs="$PRICE_EBS_GP3_GB_MONTH" -v nodes="$CACHE_NODES" \
    -v gb="$ROOT_VOLUME_GB" -v hours="$HOURS_PER_MONTH" 'BEGIN {
      c = nodes * cache; e = ec2; i = ipv4; v = gb * ebs / hours; t = c + e + i + v
      printf "  %-52s %8.4f USD/h\n", sprintf("ElastiCache Valkey: %d x cache.t3.micro @ %.4f", nodes, cache), c
      printf "  %-52s %8.4f USD/h\n", sprintf("EC2: 1 x t3.micro @ %.4f (standard credits)", ec2), e
      printf "  %-52s %8.4f USD/h\n", sprintf("Public IPv4 address: 1 @ %.4f", ipv4), i
      printf "  %-52s %8.4f USD/h\n", sprintf("EBS gp3 root volume: %d GB @ %.3f per GB-month", gb, ebs), v
      printf "  %-52s %8s\n", "DynamoDB on-demand, S3: per request / GB stored", "~0 idle"
      printf "  %-52s %8.4f USD/h (about %.2f USD/day)\n", "Total", t, t * 24
    }'
  echo "  Left out: the CloudWatch alarm (a few cents a month), data transfer, DynamoDB point-in-time"
  echo "  recovery if POINT_IN_TIME_RECOVERY=true, and tax."
  echo "  The instance launches with standard CPU credits, so it never bills surplus credits: under"
  echo "  sustained load it slows to its baseline instead."
  if [[ "$REGION" != ap-northeast-1 ]]; then
    echo "  (the stack is in $REGION; these are Tokyo prices)"
  fi
  if [[ "$instance_type" != t3.micro || "$cache_node_type" != cache.t3.micro ]]; then
    echo "  (the stack runs $instance_type and $cache_node_type; the estimate assumes t3.micro and cache.t3.micro)"
  fi
}

# Packs HEAD (or, before the first commit, every file git does not ignore) with the service compiled
# from exactly those files (build/), without node_modules, and uploads it with its revision.
upload_suite() {
  local bucket=$1 archive="$WORK/suite.tar.gz" suite="$WORK/suite" revision
  mkdir -p "$suite"
  if git -C "$ROOT" rev-parse --verify --quiet HEAD >/dev/null; then
    revision=$(git -C "$ROOT" rev-parse HEAD)
    git -C "$ROOT" archive --format=tar HEAD | tar -xf - -C "$suite"
    if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]]; then
      echo "Note: uncommitted changes are not uploaded; the suite is commit $revision."
    fi
  else
    revision=uncommitted
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | tar -cf - --null -T -) |
      tar -xf - -C "$suite"
  fi
  echo "Compiling the service and the suite (npm run build:service)..."
  ln -s "$ROOT/node_modules" "$suite/node_modules"
  if ! (cd "$suite" && npm run --silent build:service) >"$WORK/build.log" 2>&1; then
    tail -n 30 "$WORK/build.log" >&2
    fail "npm run build:service failed on revision $revision (above); nothing was uploaded."
  fi
  rm "$suite/node_modules"
  tar -czf "$archive" -C "$suite" .
  aws s3 cp "$archive" "s3://$bucket/$SUITE_KEY" --region "$REGION" --only-show-errors \
    --metadata "revision=$revision"
  echo "Uploaded the suite ($revision) to s3://$bucket/$SUITE_KEY."
}

# Prints one field (--query) of a Run Command invocation: invocation COMMAND_ID INSTANCE_ID FIELD.
invocation() {
  aws ssm get-command-invocation --region "$REGION" --command-id "$1" --instance-id "$2" \
    --query "$3" --output text
}

# Prints a status of the command on the instance; an invocation SSM does not list yet is Pending.
command_status() {
  if invocation "$1" "$2" Status 2>"$WORK/invocation.err"; then
    return 0
  fi
  grep -q InvocationDoesNotExist "$WORK/invocation.err" ||
    fail "cannot follow command $1 on $2: $(cat "$WORK/invocation.err")"
  echo Pending
}

# Runs infra/install-session-service.sh from the uploaded suite on the instance, as root over SSM,
# and prints what it printed. The first boot may still be running: the script waits for it.
install_session_service() {
  local bucket=$1 instance=$2 deadline=$((SECONDS + SERVICE_INSTALL_TIMEOUT_SECONDS)) ping status
  echo
  echo "Installing the session service on $instance (npm ci there takes a few minutes)..."
  while :; do
    ping=$(aws ssm describe-instance-information --region "$REGION" \
      --filters "Key=InstanceIds,Values=$instance" \
      --query 'InstanceInformationList[0].PingStatus' --output text)
    [[ "$ping" == Online ]] && break
    if ((SECONDS >= deadline)); then
      fail "the SSM agent of $instance is not online after ${SERVICE_INSTALL_TIMEOUT_SECONDS}s (ping status: $ping); the stack is up. Check the instance in the EC2 console, then run ./deploy.sh again."
    fi
    echo "  ... waiting for the SSM agent of $instance ($ping)"
    sleep "$POLL_INTERVAL_SECONDS"
  done
  local dir=/var/tmp/session-service-install
  printf '{"executionTimeout":["%s"],"commands":["%s","%s","%s","%s","%s"]}\n' \
    "$SERVICE_INSTALL_TIMEOUT_SECONDS" "set -eu" "rm -rf $dir && mkdir -p $dir && cd $dir" \
    "aws s3 cp --region $REGION --only-show-errors s3://$bucket/$SUITE_KEY suite.tar.gz" \
    "tar -xzf suite.tar.gz infra/install-session-service.sh" \
    "bash infra/install-session-service.sh suite.tar.gz" >"$WORK/install.json"
  local command_id
  command_id=$(aws ssm send-command --region "$REGION" --instance-ids "$instance" \
    --document-name AWS-RunShellScript --comment "$STACK_NAME: install the session service" \
    --parameters "file://$WORK/install.json" --query Command.CommandId --output text) ||
    fail "could not send the install command to $instance."
  while :; do
    status=$(command_status "$command_id" "$instance")
    case "$status" in Pending | InProgress | Delayed) ;; *) break ;; esac
    if ((SECONDS >= deadline)); then
      fail "installing the session service is still $status after ${SERVICE_INSTALL_TIMEOUT_SECONDS}s; follow it: aws ssm get-command-invocation --region $REGION --command-id $command_id --instance-id $instance"
    fi
    sleep "$POLL_INTERVAL_SECONDS"
  done
  invocation "$command_id" "$instance" StandardOutputContent | sed 's/^/  /'
  if [[ "$status" != Success ]]; then
    invocation "$command_id" "$instance" StandardErrorContent | sed 's/^/  /' >&2
    fail "installing the session service on $instance ended $status (its output is above); the stack is up. Fix the cause and run ./deploy.sh again."
  fi
}

check_prerequisites
deploy
print_outputs
print_image
print_cost_estimate
results_bucket=$(stack_output ResultsBucket)
upload_suite "$results_bucket"
instance_id=$(stack_output InstanceId)
install_session_service "$results_bucket" "$instance_id"
echo
echo "The session service listens on 127.0.0.1:8000 on the instance; reach it from here (with the AWS CLI's Session Manager plugin) with"
echo "  aws ssm start-session --region $REGION --target $instance_id --document-name AWS-StartPortForwardingSession --parameters portNumber=8000,localPortNumber=8000"
echo "Run the scenarios on the stack's instance: npm run features:aws"
echo "Everything costs money until you remove it: ./teardown.sh (region $REGION, stack $STACK_NAME)"
