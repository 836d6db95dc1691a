#!/usr/bin/env bash
# Removes everything deploy.sh made: empties the stack's S3 buckets (objects, versions and delete
# markers), deletes the stack, then fails if anything tagged Project=<project> still exists.
# Environment: AWS_REGION / AWS_DEFAULT_REGION (default ap-northeast-1), STACK_NAME (default
# hybrid-session-store), PROJECT_NAME (used when the stack does not say), STACK_WAIT_TIMEOUT_SECONDS
# (default 2700), LEFTOVER_TIMEOUT_SECONDS (default 600), POLL_INTERVAL_SECONDS (default 30).
# Written for bash 3.2 (macOS) and later.
set -euo pipefail

fail() {
  echo "teardown.sh: $*" >&2
  exit 1
}

if ! command -v aws >/dev/null 2>&1; then
  fail "the AWS CLI (aws) is not on PATH; install it: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
fi

case "${BASH_SOURCE[0]}" in */*) ROOT=${BASH_SOURCE[0]%/*} ;; *) ROOT=. ;; esac
ROOT=$(cd "$ROOT" && pwd)
# Checked with the scripts by `shellcheck -x deploy.sh teardown.sh aws/stack.sh`.
# shellcheck source=aws/stack.sh disable=SC1091
source "$ROOT/aws/stack.sh"

# The tagging API is eventually consistent; give it a few minutes before calling a resource left over.
LEFTOVER_TIMEOUT_SECONDS="${LEFTOVER_TIMEOUT_SECONDS:-600}"

# The ProjectName the stack was made with, which is what its resources are tagged with.
project_name() {
  local value
  value=$(aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK_NAME" --output text \
    --query "Stacks[0].Parameters[?ParameterKey=='ProjectName'].ParameterValue | [0]")
  if [[ -z "$value" || "$value" == None ]]; then value="$PROJECT_NAME"; fi
  echo "$value"
}

# Every bucket the stack made, whatever its outputs say (a failed stack has none).
stack_buckets() {
  aws cloudformation list-stack-resources --region "$REGION" --stack-name "$STACK_NAME" --output text \
    --query "StackResourceSummaries[?ResourceType=='AWS::S3::Bucket'].PhysicalResourceId" >"$WORK/buckets.raw"
  tr '\t' '\n' <"$WORK/buckets.raw" | grep -v -e '^$' -e '^None$' || true
}

# Deletes every version (or delete marker, with kind=DeleteMarkers) left in a bucket.
delete_versions() {
  local bucket=$1 kind=$2 key version
  aws s3api list-object-versions --region "$REGION" --bucket "$bucket" --output text \
    --query "${kind}[].[Key,VersionId]" >"$WORK/versions"
  while IFS=$'\t' read -r key version <&3; do
    if [[ -z "$key" || "$key" == None ]]; then continue; fi
    aws s3api delete-object --region "$REGION" --bucket "$bucket" --key "$key" --version-id "$version" >/dev/null
  done 3<"$WORK/versions"
}

# CloudFormation cannot delete a bucket that holds anything.
empty_bucket() {
  local bucket=$1
  if ! aws s3api head-bucket --region "$REGION" --bucket "$bucket" >/dev/null 2>"$WORK/head.err"; then
    if grep -q -e '404' -e 'Not Found' -e 'NoSuchBucket' "$WORK/head.err"; then
      echo "Bucket $bucket is already gone."
      return 0
    fi
    fail "cannot reach bucket $bucket to empty it: $(cat "$WORK/head.err")"
  fi
  echo "Emptying bucket $bucket..."
  aws s3 rm "s3://$bucket" --recursive --region "$REGION" --only-show-errors
  delete_versions "$bucket" Versions
  delete_versions "$bucket" DeleteMarkers
}

# The tagging API keeps listing terminated instances and deleted volumes for up to an hour; ask EC2.
still_exists() {
  local arn=$1 id=${1##*/} state
  case "$arn" in
    arn:aws*:ec2:*:instance/*)
      if state=$(aws ec2 describe-instances --region "$REGION" --instance-ids "$id" --output text \
        --query 'Reservations[].Instances[].State.Name' 2>"$WORK/ec2.err"); then
        [[ -n "$state" && "$state" != terminated && "$state" != None ]]
      elif grep -q 'InvalidInstanceID.NotFound' "$WORK/ec2.err"; then
        return 1
      fi
      ;;
    arn:aws*:ec2:*:volume/*)
      if aws ec2 describe-volumes --region "$REGION" --volume-ids "$id" >/dev/null 2>"$WORK/ec2.err"; then
        return 0
      elif grep -q 'InvalidVolume.NotFound' "$WORK/ec2.err"; then
        return 1
      fi
      ;;
    *) return 0 ;;
  esac
}

# Prints the ARN of every resource tagged Project=<project> that still exists.
leftovers() {
  local project=$1 arn
  if ! aws resourcegroupstaggingapi get-resources --region "$REGION" --output text \
    --tag-filters "Key=Project,Values=$project" --query 'ResourceTagMappingList[].ResourceARN' \
    >"$WORK/tagged.raw" 2>"$WORK/tagged.err"; then
    echo "teardown.sh: cannot list what is tagged Project=$project: $(cat "$WORK/tagged.err")" >&2
    return 1
  fi
  tr '\t' '\n' <"$WORK/tagged.raw" | grep -v -e '^$' -e '^None$' >"$WORK/tagged" || true
  while read -r arn <&3; do
    if still_exists "$arn"; then echo "$arn"; fi
  done 3<"$WORK/tagged"
}

check_nothing_left() {
  local project=$1 deadline=$((SECONDS + LEFTOVER_TIMEOUT_SECONDS)) found
  while :; do
    found=$(leftovers "$project") || exit 1
    if [[ -z "$found" ]]; then
      echo "Nothing tagged Project=$project is left in $REGION."
      return 0
    fi
    if ((SECONDS >= deadline)); then
      echo "teardown.sh: these resources tagged Project=$project still exist in $REGION:" >&2
      printf '%s\n' "$found" >"$WORK/found"
      sed 's/^/  /' "$WORK/found" >&2
      fail "delete them (they cost money), then run ./teardown.sh again to check."
    fi
    echo "  ... $(echo "$found" | wc -l | tr -d ' ') resource(s) tagged Project=$project still listed; checking again" >&2
    sleep "$POLL_INTERVAL_SECONDS"
  done
}

teardown() {
  local status project bucket
  status=$(stack_status)
  if [[ "$status" == ABSENT ]]; then
    echo "Stack $STACK_NAME does not exist in $REGION: nothing to tear down."
    return 0
  fi
  case "$status" in
    REVIEW_IN_PROGRESS) ;;
    *_IN_PROGRESS)
      echo "Stack $STACK_NAME is $status; waiting for that to finish first."
      status=$(wait_for_stack)
      ;;
  esac
  if [[ "$status" == ABSENT ]]; then
    echo "Stack $STACK_NAME is gone."
  else
    project=$(project_name)
    stack_buckets >"$WORK/buckets"
    while read -r bucket <&4; do empty_bucket "$bucket"; done 4<"$WORK/buckets"
    echo "Deleting stack $STACK_NAME (ElastiCache takes 10-25 minutes)..."
    aws cloudformation delete-stack --region "$REGION" --stack-name "$STACK_NAME"
    status=$(wait_for_stack)
    if [[ "$status" != ABSENT ]]; then
      show_failure_events
      fail "deleting stack $STACK_NAME ended in $status; remove what blocks it (see above) and run ./teardown.sh again."
    fi
    echo "Stack $STACK_NAME deleted."
  fi
  check_nothing_left "${project:-$PROJECT_NAME}"
}

check_region_and_credentials
teardown
