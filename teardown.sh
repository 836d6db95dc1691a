#!/usr/bin/env bash
# Removes everything deploy.sh made: empties the stack's S3 buckets (objects, versions and delete
# markers), deletes the stack, then fails if anything tagged Project=<project> still exists (each
# ARN the tagging API lists is checked with its own describe call). One thing outlives the stack by
# design, and only when the stack was deployed with POINT_IN_TIME_RECOVERY=true: DynamoDB's system
# backup of the deleted table, kept for 35 days; this script says so.
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
  value=$(stack_parameter ProjectName)
  if [[ -z "$value" || "$value" == None ]]; then value="${PROJECT_NAME:-$DEFAULT_PROJECT_NAME}"; fi
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

# Runs one describe call: succeeds when it finds the resource and fails when AWS answers that it is
# gone (an error matching $1). Any other failure counts as found: nothing is called gone on a guess.
# Usage: found GONE_ERRORS COMMAND...  (COMMAND's output is in $WORK/describe.out)
found() {
  local gone=$1
  shift
  if "$@" >"$WORK/describe.out" 2>"$WORK/describe.err"; then return 0; fi
  ! grep -q -E "$gone" "$WORK/describe.err"
}

# The tagging API keeps listing deleted resources for a while (up to an hour for instances and
# volumes): each ARN is checked with its own service's describe call before it counts as left over.
# A type this does not know counts as left over.
still_exists() {
  local arn=$1 id=${1##*/} name=${1##*:} r=(--region "$REGION") state
  case "$arn" in
    arn:aws*:ec2:*:instance/*)
      found 'InvalidInstanceID\.NotFound' aws ec2 describe-instances "${r[@]}" --instance-ids "$id" \
        --output text --query 'Reservations[].Instances[].State.Name' || return 1
      state=$(cat "$WORK/describe.out")
      [[ -n "$state" && "$state" != terminated && "$state" != None ]]
      ;;
    arn:aws*:ec2:*:volume/*)
      found 'InvalidVolume\.NotFound' aws ec2 describe-volumes "${r[@]}" --volume-ids "$id" ;;
    arn:aws*:ec2:*:vpc/*)
      found 'InvalidVpcID\.NotFound' aws ec2 describe-vpcs "${r[@]}" --vpc-ids "$id" ;;
    arn:aws*:ec2:*:subnet/*)
      found 'InvalidSubnetID\.NotFound' aws ec2 describe-subnets "${r[@]}" --subnet-ids "$id" ;;
    arn:aws*:ec2:*:internet-gateway/*)
      found 'InvalidInternetGatewayID\.NotFound' aws ec2 describe-internet-gateways "${r[@]}" \
        --internet-gateway-ids "$id" ;;
    arn:aws*:ec2:*:route-table/*)
      found 'InvalidRouteTableID\.NotFound' aws ec2 describe-route-tables "${r[@]}" --route-table-ids "$id" ;;
    arn:aws*:ec2:*:security-group/*)
      found 'InvalidGroup\.NotFound' aws ec2 describe-security-groups "${r[@]}" --group-ids "$id" ;;
    arn:aws*:ec2:*:launch-template/*)
      found 'InvalidLaunchTemplateId\.(NotFound|Malformed)' aws ec2 describe-launch-templates "${r[@]}" \
        --launch-template-ids "$id" ;;
    arn:aws*:ec2:*:vpc-endpoint/*)
      found 'InvalidVpcEndpointId\.NotFound' aws ec2 describe-vpc-endpoints "${r[@]}" \
        --vpc-endpoint-ids "$id" --output text --query 'VpcEndpoints[].State' || return 1
      state=$(tr '[:upper:]' '[:lower:]' <"$WORK/describe.out")
      [[ -n "$state" && "$state" != deleted && "$state" != none ]]
      ;;
    arn:aws*:elasticache:*:replicationgroup:*)
      found 'ReplicationGroupNotFoundFault' aws elasticache describe-replication-groups "${r[@]}" \
        --replication-group-id "$name" ;;
    arn:aws*:elasticache:*:cluster:*)
      found 'CacheClusterNotFound' aws elasticache describe-cache-clusters "${r[@]}" --cache-cluster-id "$name" ;;
    arn:aws*:elasticache:*:subnetgroup:*)
      found 'CacheSubnetGroupNotFoundFault' aws elasticache describe-cache-subnet-groups "${r[@]}" \
        --cache-subnet-group-name "$name" ;;
    arn:aws*:dynamodb:*:table/*)
      found 'ResourceNotFoundException' aws dynamodb describe-table "${r[@]}" --table-name "$id" ;;
    arn:aws*:s3:::*)
      found '\(404\)|Not Found|NoSuchBucket' aws s3api head-bucket "${r[@]}" --bucket "${arn#arn:*:s3:::}" ;;
    arn:aws*:cloudwatch:*:alarm:*)
      # describe-alarms answers an empty list for a name that does not exist.
      aws cloudwatch describe-alarms "${r[@]}" --alarm-names "${arn#*:alarm:}" --output text \
        --query 'MetricAlarms[].AlarmName' >"$WORK/describe.out" 2>"$WORK/describe.err" || return 0
      [[ -s "$WORK/describe.out" ]]
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
  local status project bucket backups
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
    backups=$(stack_parameter PointInTimeRecovery)
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
    if [[ "$backups" == true ]]; then
      echo "The session table had point-in-time recovery on: DynamoDB keeps a system backup of it for 35 days."
      echo "  See it with: aws dynamodb list-backups --region $REGION --backup-type SYSTEM"
    fi
  fi
  check_nothing_left "${project:-${PROJECT_NAME:-$DEFAULT_PROJECT_NAME}}"
}

check_region_and_credentials
teardown
