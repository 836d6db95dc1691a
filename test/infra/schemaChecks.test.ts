import { describe, it } from "node:test";
import { expect } from "chai";
import { checkTemplate, type Problem } from "../../infra/checkTemplate";
import { at, fixtureText, mutated, props } from "./templateFixture";

/** The problems found in the real template after one change. */
function problemsAfter(change: Parameters<typeof mutated>[0]): Problem[] {
  return checkTemplate(mutated(change));
}

function describeProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("\n");
}

describe("checks against the resource schemas", () => {
  it("rejects Description in place of ReplicationGroupDescription, twice over", () => {
    const problems = problemsAfter((template) => {
      const properties = props(template, "ValkeyReplicationGroup");
      properties.Description = properties.ReplicationGroupDescription ?? null;
      delete properties.ReplicationGroupDescription;
    });
    expect(problems).to.deep.equal([
      {
        path: "Resources.ValkeyReplicationGroup.Properties.Description",
        message: "unknown property Description of AWS::ElastiCache::ReplicationGroup",
      },
      {
        path: "Resources.ValkeyReplicationGroup.Properties.ReplicationGroupDescription",
        message:
          "missing required property ReplicationGroupDescription of AWS::ElastiCache::ReplicationGroup",
      },
    ]);
  });

  it("finds the same mistake in the seed's YAML", () => {
    const problems = checkTemplate(fixtureText("seed-000-description.yaml"));
    expect(problems.map((p) => p.message)).to.deep.equal([
      "unknown property Description of AWS::ElastiCache::ReplicationGroup",
      "missing required property ReplicationGroupDescription of AWS::ElastiCache::ReplicationGroup",
    ]);
  });

  it("rejects a value of the wrong type", () => {
    const problems = problemsAfter((template) => {
      props(template, "ValkeyReplicationGroup").NumNodeGroups = "three";
      props(template, "ValkeyReplicationGroup").MultiAZEnabled = "yes";
      props(template, "CacheSubnetGroup").SubnetIds = { Ref: "PrivateSubnet1" } as never;
      props(template, "Vpc").CidrBlock = ["10.40.0.0/16"];
    });
    const text = describeProblems(problems);
    expect(text).to.contain('NumNodeGroups: expected an integer, got string "three"');
    expect(text).to.contain('MultiAZEnabled: expected a boolean, got string "yes"');
    expect(text).to.contain("CidrBlock: expected a string, got a list");
    // An intrinsic function stands for any value, a list included.
    expect(text).not.to.contain("SubnetIds");
  });

  it("accepts the forms CloudFormation converts: numeric strings, boolean strings", () => {
    const problems = problemsAfter((template) => {
      props(template, "ValkeyReplicationGroup").NumNodeGroups = "3";
      props(template, "ValkeyReplicationGroup").MultiAZEnabled = "true";
    });
    expect(problems).to.deep.equal([]);
  });

  it("checks nested property types: key schema items and the TTL specification", () => {
    const problems = problemsAfter((template) => {
      const table = props(template, "SessionTable");
      at(table, "KeySchema", 0).Type = "HASH";
      at(table, "TimeToLiveSpecification").Enabled = { yes: true };
      at(table, "PointInTimeRecoverySpecification").Enabled = true;
    });
    const text = describeProblems(problems);
    expect(text).to.contain("KeySchema.0.Type: unknown property Type of KeySchema");
    expect(text).to.contain("TimeToLiveSpecification.Enabled: expected a boolean, got a mapping");
    expect(text).to.contain(
      "PointInTimeRecoverySpecification.Enabled: unknown property Enabled of PointInTimeRecoverySpecification",
    );
  });

  it("checks the branches of Fn::If", () => {
    const problems = problemsAfter((template) => {
      props(template, "ValkeyReplicationGroup").NumNodeGroups = {
        "Fn::If": ["CreateDynamoDbEndpointCondition", 3, "many"],
      };
    });
    expect(describeProblems(problems)).to.contain(
      'NumNodeGroups: expected an integer, got string "many"',
    );
  });

  it("rejects a value outside the schema's allowed values", () => {
    const problems = problemsAfter((template) => {
      props(template, "DynamoDbGatewayEndpoint").VpcEndpointType = "Gateways";
    });
    expect(describeProblems(problems)).to.contain(
      "VpcEndpointType: Gateways is not one of Interface, Gateway",
    );
  });

  it("rejects an unknown resource type", () => {
    const problems = problemsAfter((template) => {
      at(template, "Resources", "ValkeyReplicationGroup").Type = "AWS::ElastiCache::ValkeyCluster";
    });
    expect(problems).to.deep.include({
      path: "Resources.ValkeyReplicationGroup.Type",
      message: "unknown resource type AWS::ElastiCache::ValkeyCluster",
    });
  });

  it("rejects an unknown Fn::GetAtt attribute, in GetAtt and in Sub", () => {
    const problems = problemsAfter((template) => {
      at(template, "Outputs", "ConfigurationEndpointAddress").Value = {
        "Fn::GetAtt": ["ValkeyReplicationGroup", "ConfigurationEndpoint.Address"],
      };
      at(template, "Outputs", "Region").Value = { "Fn::Sub": `\${SessionTable.Name}` };
    });
    const text = describeProblems(problems);
    expect(text).to.contain(
      "Outputs.ConfigurationEndpointAddress.Value.Fn::GetAtt: AWS::ElastiCache::ReplicationGroup has no attribute ConfigurationEndpoint.Address",
    );
    expect(text).to.contain(
      "Outputs.Region.Value.Fn::Sub: AWS::DynamoDB::Table has no attribute Name",
    );
  });

  it("rejects a Ref, Sub variable, condition or DependsOn that names nothing", () => {
    const problems = problemsAfter((template) => {
      props(template, "RunnerInstance").SubnetId = { Ref: "PublicSubnet9" };
      props(template, "ResultsBucket").BucketName = { "Fn::Sub": `\${AWS::StackName}-\${Acount}` };
      at(template, "Resources", "DynamoDbGatewayEndpoint").Condition = "CreateEndpoint";
      at(template, "Resources", "PublicDefaultRoute").DependsOn = "GatewayAttachment";
    });
    expect(problems.map((p) => p.message)).to.include.members([
      "Ref names no parameter, resource or pseudo parameter: PublicSubnet9",
      "Ref names no parameter, resource or pseudo parameter: Acount",
      "unknown condition CreateEndpoint",
      "DependsOn names no resource: GatewayAttachment",
    ]);
  });

  it("rejects an unknown template section and resource attribute", () => {
    const problems = problemsAfter((template) => {
      template.Output = {};
      at(template, "Resources", "SessionTable").DeletePolicy = "Retain";
    });
    expect(problems.map((p) => p.message)).to.include.members([
      "unknown template section Output",
      "unknown resource attribute DeletePolicy",
    ]);
  });

  it("reports YAML errors instead of throwing", () => {
    expect(checkTemplate("Resources: [unclosed")).to.have.length.greaterThan(0);
    expect(checkTemplate("just a string")).to.deep.equal([
      { path: "template", message: "the template is not a mapping" },
    ]);
  });
});
