import { describe, it } from "node:test";
import { expect } from "chai";
import type { JsonObject } from "../../infra/cfnYaml";
import { checkTemplate, type Problem } from "../../infra/checkTemplate";
import { at, fixtureText, mutated, props } from "./templateFixture";

function problemsAfter(change: (template: JsonObject) => void): Problem[] {
  return checkTemplate(mutated(change));
}

/** Asserts exactly one problem, at `path`, whose message contains `message`. */
function expectOnly(problems: Problem[], path: string, message: string): void {
  expect(problems, JSON.stringify(problems, null, 2)).to.have.length(1);
  expect(problems[0]?.path).to.equal(path);
  expect(problems[0]?.message).to.contain(message);
}

function statements(template: JsonObject): JsonObject[] {
  const document = at(props(template, "InstanceRole"), "Policies", 0, "PolicyDocument");
  return (document.Statement as JsonObject[]) ?? [];
}

const CACHE = "Resources.ValkeyReplicationGroup.Properties";

describe("the project's own rules", () => {
  describe("Valkey replication group", () => {
    it("requires TransitEncryptionEnabled to be stated", () => {
      const problems = problemsAfter((template) => {
        delete props(template, "ValkeyReplicationGroup").TransitEncryptionEnabled;
      });
      expectOnly(
        problems,
        `${CACHE}.TransitEncryptionEnabled`,
        "state TransitEncryptionEnabled explicitly",
      );
    });

    it("requires automatic failover in cluster mode", () => {
      const problems = problemsAfter((template) => {
        props(template, "ValkeyReplicationGroup").AutomaticFailoverEnabled = false;
      });
      expectOnly(
        problems,
        `${CACHE}.AutomaticFailoverEnabled`,
        "cluster mode requires AutomaticFailoverEnabled: true",
      );
    });

    it("sees cluster mode in the parameter group even with one shard", () => {
      const problems = problemsAfter((template) => {
        const properties = props(template, "ValkeyReplicationGroup");
        properties.NumNodeGroups = 1;
        delete properties.AutomaticFailoverEnabled;
      });
      expectOnly(problems, `${CACHE}.AutomaticFailoverEnabled`, "cluster mode requires");
    });

    it("allows at most five replicas per node group", () => {
      const problems = problemsAfter((template) => {
        props(template, "ValkeyReplicationGroup").ReplicasPerNodeGroup = 6;
      });
      expectOnly(problems, `${CACHE}.ReplicasPerNodeGroup`, "must be 0 to 5, got 6");
    });

    it("matches the engine version to the parameter group family", () => {
      const problems = problemsAfter((template) => {
        props(template, "ValkeyReplicationGroup").EngineVersion = "7.2";
      });
      expectOnly(
        problems,
        `${CACHE}.EngineVersion`,
        "engine version 7.2 does not match parameter group family valkey8",
      );
    });

    it("matches the engine to the parameter group family", () => {
      const problems = problemsAfter((template) => {
        props(template, "ValkeyReplicationGroup").CacheParameterGroupName =
          "default.redis7.cluster.on";
      });
      expect(problems.map((p) => p.message)).to.deep.equal([
        "parameter group family redis7 is not for engine valkey",
        "engine version 8.0 does not match parameter group family redis7",
      ]);
    });

    it("follows a parameter group defined in the template", () => {
      const problems = problemsAfter((template) => {
        at(template, "Resources").CacheParameters = {
          Type: "AWS::ElastiCache::ParameterGroup",
          Properties: {
            CacheParameterGroupFamily: "valkey7",
            Description: "cluster mode",
            Properties: { "cluster-enabled": "yes" },
            Tags: [
              { Key: "Project", Value: { Ref: "ProjectName" } },
              { Key: "Stack", Value: { Ref: "AWS::StackName" } },
            ],
          },
        };
        props(template, "ValkeyReplicationGroup").CacheParameterGroupName = {
          Ref: "CacheParameters",
        };
      });
      expectOnly(
        problems,
        `${CACHE}.EngineVersion`,
        "does not match parameter group family valkey7",
      );
    });

    it("asks for EngineVersion to be quoted", () => {
      const problems = problemsAfter((template) => {
        props(template, "ValkeyReplicationGroup").EngineVersion = 8;
      });
      expectOnly(problems, `${CACHE}.EngineVersion`, "quote EngineVersion");
    });
  });

  describe("network exposure", () => {
    it("rejects ingress from 0.0.0.0/0 in a security group", () => {
      const problems = problemsAfter((template) => {
        at(props(template, "CacheSecurityGroup"), "SecurityGroupIngress", 0).CidrIp = "0.0.0.0/0";
        delete at(props(template, "CacheSecurityGroup"), "SecurityGroupIngress", 0)
          .SourceSecurityGroupId;
      });
      expectOnly(
        problems,
        "Resources.CacheSecurityGroup.Properties.SecurityGroupIngress.0.CidrIp",
        "ingress from 0.0.0.0/0",
      );
    });

    it("rejects ingress from ::/0 in a SecurityGroupIngress resource", () => {
      const problems = problemsAfter((template) => {
        at(template, "Resources").SshFromAnywhere = {
          Type: "AWS::EC2::SecurityGroupIngress",
          Properties: {
            GroupId: { "Fn::GetAtt": ["InstanceSecurityGroup", "GroupId"] },
            IpProtocol: "tcp",
            FromPort: 22,
            ToPort: 22,
            CidrIpv6: "::/0",
          },
        };
      });
      expectOnly(problems, "Resources.SshFromAnywhere.Properties.CidrIpv6", "ingress from ::/0");
    });

    it("sees 0.0.0.0/0 through a parameter default", () => {
      const problems = problemsAfter((template) => {
        at(template, "Parameters").AdminCidr = { Type: "String", Default: "0.0.0.0/0" };
        at(props(template, "CacheSecurityGroup"), "SecurityGroupIngress", 0).CidrIp = {
          Ref: "AdminCidr",
        };
        delete at(props(template, "CacheSecurityGroup"), "SecurityGroupIngress", 0)
          .SourceSecurityGroupId;
      });
      expectOnly(
        problems,
        "Resources.CacheSecurityGroup.Properties.SecurityGroupIngress.0.CidrIp",
        "0.0.0.0/0",
      );
    });
  });

  describe("instance metadata", () => {
    it("requires IMDSv2 in the launch template", () => {
      const problems = problemsAfter((template) => {
        at(
          props(template, "InstanceLaunchTemplate"),
          "LaunchTemplateData",
          "MetadataOptions",
        ).HttpTokens = "optional";
      });
      // Both the launch template and the instance that relies on it are reported.
      expect(problems.map((p) => p.path)).to.deep.equal([
        "Resources.InstanceLaunchTemplate.Properties.LaunchTemplateData.MetadataOptions.HttpTokens",
        "Resources.RunnerInstance.Properties.MetadataOptions.HttpTokens",
      ]);
    });

    it("requires IMDSv2 on an instance without the launch template", () => {
      const problems = problemsAfter((template) => {
        delete props(template, "RunnerInstance").LaunchTemplate;
      });
      expectOnly(
        problems,
        "Resources.RunnerInstance.Properties.MetadataOptions.HttpTokens",
        "IMDSv2 must be required",
      );
    });

    it("lets the instance's own setting override the launch template", () => {
      const problems = problemsAfter((template) => {
        props(template, "RunnerInstance").MetadataOptions = { HttpTokens: "optional" };
      });
      expectOnly(
        problems,
        "Resources.RunnerInstance.Properties.MetadataOptions.HttpTokens",
        "IMDSv2 must be required",
      );
    });
  });

  describe("IAM least privilege", () => {
    const POLICY = "Resources.InstanceRole.Properties.Policies.0.PolicyDocument.Statement";

    it('rejects Resource "*" on DynamoDB actions', () => {
      const problems = problemsAfter((template) => {
        (statements(template)[0] as JsonObject).Resource = "*";
      });
      expectOnly(problems, `${POLICY}.0.Resource`, 'Resource "*" for dynamodb actions');
    });

    it("rejects dynamodb:* and s3:*", () => {
      const problems = problemsAfter((template) => {
        (statements(template)[0] as JsonObject).Action = "dynamodb:*";
        (statements(template)[1] as JsonObject).Action = ["s3:*"];
      });
      expect(problems.map((p) => p.message)).to.deep.equal([
        "dynamodb:* grants every action; name the actions needed",
        "s3:* grants every action; name the actions needed",
      ]);
    });

    it("rejects S3 actions on a bucket that is not this stack's", () => {
      const problems = problemsAfter((template) => {
        (statements(template)[1] as JsonObject).Resource = "arn:aws:s3:::someone-elses-bucket/*";
      });
      expectOnly(
        problems,
        `${POLICY}.1.Resource`,
        "must be scoped to this template's AWS::S3::Bucket",
      );
    });

    it("rejects DynamoDB actions scoped to the bucket", () => {
      const problems = problemsAfter((template) => {
        (statements(template)[0] as JsonObject).Resource = {
          "Fn::GetAtt": ["ResultsBucket", "Arn"],
        };
      });
      expectOnly(
        problems,
        `${POLICY}.0.Resource`,
        "must be scoped to this template's AWS::DynamoDB::Table",
      );
    });
  });

  describe("the session table agrees with store/TableSchema.ts", () => {
    const TABLE = "Resources.SessionTable.Properties";

    it("rejects a renamed TTL attribute", () => {
      const problems = problemsAfter((template) => {
        at(props(template, "SessionTable"), "TimeToLiveSpecification").AttributeName = "ttl";
      });
      expectOnly(problems, `${TABLE}.TimeToLiveSpecification`, "TTL must be enabled on expires_at");
    });

    it("rejects TTL left disabled", () => {
      const problems = problemsAfter((template) => {
        at(props(template, "SessionTable"), "TimeToLiveSpecification").Enabled = false;
      });
      expectOnly(problems, `${TABLE}.TimeToLiveSpecification`, "TTL must be enabled on expires_at");
    });

    it("rejects another partition key", () => {
      const problems = problemsAfter((template) => {
        const table = props(template, "SessionTable");
        at(table, "KeySchema", 0).AttributeName = "sessionId";
        at(table, "AttributeDefinitions", 0).AttributeName = "sessionId";
      });
      expect(problems.map((p) => p.path)).to.deep.equal([
        `${TABLE}.KeySchema`,
        `${TABLE}.AttributeDefinitions`,
      ]);
    });

    it("rejects a stream the store does not read", () => {
      const problems = problemsAfter((template) => {
        props(template, "SessionTable").StreamSpecification = { StreamViewType: "KEYS_ONLY" };
      });
      expectOnly(problems, `${TABLE}.StreamSpecification`, "stream must be off");
    });

    it("rejects a table name default other than the store's", () => {
      const problems = problemsAfter((template) => {
        at(template, "Parameters", "TableName").Default = "sessions";
      });
      expectOnly(problems, `${TABLE}.TableName`, "is not session-store");
    });

    it("finds seed 004's table and alarm mistakes", () => {
      const messages = checkTemplate(fixtureText("seed-004-dynamodb.yaml")).map((p) => p.message);
      expect(messages).to.include.members([
        'key schema must be [{"AttributeName":"session_id","KeyType":"HASH"}] (store/TableSchema.ts), got [{"AttributeName":"sessionId","KeyType":"HASH"}]',
        'TTL must be enabled on expires_at (store/TableSchema.ts), got {"AttributeName":"TTL","Enabled":true}',
        "AWS/DynamoDB ThrottledRequests is published with dimensions [TableName, Operation]; [TableName] never gets data",
      ]);
    });
  });

  describe("tags and region", () => {
    it("requires the Project and Stack tags wherever tags are supported", () => {
      const problems = problemsAfter((template) => {
        props(template, "ResultsBucket").Tags = [{ Key: "Project", Value: "hybrid" }];
      });
      expect(problems.map((p) => p.message)).to.deep.equal([
        'tag Project must be {"Ref":"ProjectName"}, got "hybrid"',
        'tag Stack missing (Stack: {"Ref":"AWS::StackName"})',
      ]);
    });

    it("rejects a hard-coded region", () => {
      const problems = problemsAfter((template) => {
        props(template, "DynamoDbGatewayEndpoint").ServiceName = "com.amazonaws.us-east-1.dynamodb";
      });
      expectOnly(
        problems,
        "Resources.DynamoDbGatewayEndpoint.Properties.ServiceName",
        "hard-coded region us-east-1",
      );
    });
  });
});
