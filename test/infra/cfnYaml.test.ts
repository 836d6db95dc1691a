import { describe, it } from "node:test";
import { expect } from "chai";
import { parseTemplate } from "../../infra/cfnYaml";

describe("reading CloudFormation YAML", () => {
  it("maps every short-form tag to its long form, in scalar, sequence and mapping form", () => {
    const { template, errors } = parseTemplate(
      [
        "ref: !Ref Vpc",
        "att: !GetAtt Cache.ConfigurationEndPoint.Address",
        "attList: !GetAtt [Table, Arn]",
        `sub: !Sub '\${AWS::StackName}-x'`,
        `subList: !Sub ['\${A}', { A: !Ref B }]`,
        "if: !If [Cond, !Ref A, !Ref AWS::NoValue]",
        "eq: !Equals [!Ref P, 'true']",
        "not: !Not [!Condition C]",
        "and: !And [!Condition C, !Or [!Condition D, !Condition E]]",
        "select: !Select [1, !GetAZs '']",
        "join: !Join ['', [a, b]]",
        "b64: !Base64 { 'Fn::Sub': text }",
        "find: !FindInMap [M, K1, K2]",
        "split: !Split [',', 'a,b']",
        "import: !ImportValue Shared",
        "cidr: !Cidr [!GetAtt Vpc.CidrBlock, 3, 8]",
      ].join("\n"),
    );
    expect(errors).to.deep.equal([]);
    expect(template).to.deep.equal({
      ref: { Ref: "Vpc" },
      att: { "Fn::GetAtt": ["Cache", "ConfigurationEndPoint.Address"] },
      attList: { "Fn::GetAtt": ["Table", "Arn"] },
      sub: { "Fn::Sub": `\${AWS::StackName}-x` },
      subList: { "Fn::Sub": [`\${A}`, { A: { Ref: "B" } }] },
      if: { "Fn::If": ["Cond", { Ref: "A" }, { Ref: "AWS::NoValue" }] },
      eq: { "Fn::Equals": [{ Ref: "P" }, "true"] },
      not: { "Fn::Not": [{ Condition: "C" }] },
      and: {
        "Fn::And": [{ Condition: "C" }, { "Fn::Or": [{ Condition: "D" }, { Condition: "E" }] }],
      },
      select: { "Fn::Select": [1, { "Fn::GetAZs": "" }] },
      join: { "Fn::Join": ["", ["a", "b"]] },
      b64: { "Fn::Base64": { "Fn::Sub": "text" } },
      find: { "Fn::FindInMap": ["M", "K1", "K2"] },
      split: { "Fn::Split": [",", "a,b"] },
      import: { "Fn::ImportValue": "Shared" },
      cidr: { "Fn::Cidr": [{ "Fn::GetAtt": ["Vpc", "CidrBlock"] }, 3, 8] },
    });
  });

  it("reads JSON templates too", () => {
    expect(parseTemplate('{"Resources": {"A": {"Ref": "B"}}}').template).to.deep.equal({
      Resources: { A: { Ref: "B" } },
    });
  });

  it("reports unknown tags and duplicate keys", () => {
    expect(parseTemplate("a: !Reff B").errors).to.deep.equal(["Unresolved tag: !Reff"]);
    const duplicate = parseTemplate("a: 1\na: 2");
    expect(duplicate.template).to.equal(undefined);
    expect(duplicate.errors.join()).to.contain("unique");
  });
});
