import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "chai";
import { REQUIRED_OUTPUTS } from "../../aws/StackOutputs";
import { checkTemplate, runCli } from "../../infra/checkTemplate";
import { CONFIG_VARIABLES } from "../../service/config";
import { SESSION_TABLE } from "../../store/TableSchema";
import {
  at,
  filesWrittenByUserData,
  props,
  realTemplate,
  TEMPLATE_PATH,
  userDataScript,
} from "./templateFixture";

const ROOT = join(__dirname, "..", "..");

describe("the real template", () => {
  it("has no problems", () => {
    expect(checkTemplate(readFileSync(TEMPLATE_PATH, "utf8"))).to.deep.equal([]);
  });

  it("has the outputs other tools read", () => {
    expect(Object.keys(at(realTemplate(), "Outputs"))).to.include.members([
      ...REQUIRED_OUTPUTS,
      "VpcId",
    ]);
  });

  it("has the parameters and defaults deploy.sh relies on", () => {
    const parameters = at(realTemplate(), "Parameters");
    expect(at(parameters, "ProjectName").Default).to.equal("hybrid-session-store");
    expect(at(parameters, "TableName").Default).to.equal(SESSION_TABLE.tableName);
    expect(at(parameters, "InstanceType").Default).to.equal("t3.micro");
    expect(at(parameters, "CacheNodeType").Default).to.equal("cache.t3.micro");
    expect(at(parameters, "CreateDynamoDbEndpoint").Default).to.equal("true");
    expect(at(parameters, "PointInTimeRecovery").Default).to.equal("false");
    // A plain image id that deploy.sh pins: an SSM parameter type would re-resolve on every update.
    expect(at(parameters, "ImageId").Type).to.equal("AWS::EC2::Image::Id");
    expect(at(parameters, "ImageId")).not.to.have.property("Default");
  });

  it("accepts only x86_64 burstable instance types, which the binaries and credit mode need", () => {
    const allowed = at(realTemplate(), "Parameters", "InstanceType").AllowedValues as string[];
    expect(allowed).to.include("t3.micro");
    for (const type of allowed) expect(type).to.match(/^t3a?\.(micro|small|medium|large)$/);
  });

  it("names in deploy.sh's parameter list exactly the template's parameters", () => {
    const deploy = readFileSync(join(ROOT, "deploy.sh"), "utf8");
    const listed = /^STACK_PARAMETERS="([^"]*)"$/m.exec(deploy)?.[1]?.split(" ") ?? [];
    expect(listed).to.have.members(Object.keys(at(realTemplate(), "Parameters")));
  });

  it("runs a six-node Valkey 8 cluster without TLS", () => {
    expect(props(realTemplate(), "ValkeyReplicationGroup")).to.deep.include({
      Engine: "valkey",
      EngineVersion: "8.0",
      CacheParameterGroupName: "default.valkey8.cluster.on",
      NumNodeGroups: 3,
      ReplicasPerNodeGroup: 1,
      TransitEncryptionEnabled: false,
      AtRestEncryptionEnabled: true,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    });
  });

  it("boots the runner with Node.js 22, git and toxiproxy 2.12.0 on 127.0.0.1:8474, in a few lines", () => {
    const script = userDataScript();
    expect(script.trim().split("\n").length).to.be.at.most(12);
    expect(script).to.match(/dnf install -y nodejs22 nodejs22-npm git\b/);
    expect(script).to.contain("ln -sf /usr/bin/node-22 /usr/local/bin/node");
    expect(script).not.to.match(/node(js)?-?20/);
    expect(script).to.contain("releases/download/v2.12.0/toxiproxy-server-linux-amd64");
    expect(script).to.contain("-host 127.0.0.1 -port 8474");
  });

  it("installs toxiproxy-server only once its download matches the pinned sha256", () => {
    const lines = userDataScript().split("\n");
    const download = lines.findIndex((line) => line.includes("toxiproxy-server-linux-amd64"));
    const check = lines.findIndex((line) =>
      /^echo '[0-9a-f]{64} {2}\S+' \| sha256sum --check/.test(line),
    );
    expect(download).to.be.greaterThan(-1);
    expect(check).to.equal(download + 1);
    expect(lines[download]).to.contain("-o /usr/local/bin/toxiproxy-server.download");
    expect(lines[check]).to.match(
      /&& mv \/usr\/local\/bin\/toxiproxy-server\.download \/usr\/local\/bin\/toxiproxy-server\b/,
    );
  });

  it("adds a swap file once, and T3 credits stay standard", () => {
    expect(userDataScript()).to.match(
      /\[ -f \/swapfile \] \|\| \{.*mkswap \/swapfile.*\}; swapon -a/,
    );
    expect(props(realTemplate(), "RunnerInstance").CreditSpecification).to.deep.equal({
      CPUCredits: "standard",
    });
  });

  describe("the session service on the runner", () => {
    const files = filesWrittenByUserData();
    const unit = files["/etc/systemd/system/session-service.service"] ?? "";
    const envFile = files["/etc/session-service.env"] ?? "";
    const settings = (text: string) =>
      text
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => line.slice(0, line.indexOf("=")));

    it("is a systemd unit enabled at first boot, started once its code is installed", () => {
      expect(unit).to.contain(
        "ConditionPathExists=/opt/session-service/current/build/scripts/serve.js",
      );
      expect(unit).to.contain("WorkingDirectory=/opt/session-service/current");
      expect(unit).to.contain("EnvironmentFile=/etc/session-service.env");
      expect(unit).to.match(/^Restart=on-failure$/m);
      expect(unit).to.match(/^DynamicUser=yes$/m);
      expect(userDataScript()).to.match(/systemctl enable --now .*\bsession-service\.service/);
    });

    it("runs `npm run serve`'s entry point compiled by `npm run build:service`, without ts-node", () => {
      const scripts = (
        JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
          scripts: Record<string, string>;
        }
      ).scripts;
      expect(scripts.serve).to.contain("scripts/serve.ts");
      expect(scripts["build:service"]).to.contain("tsconfig.service.json");
      const build = JSON.parse(readFileSync(join(ROOT, "tsconfig.service.json"), "utf8")) as {
        compilerOptions: { outDir: string; rootDir: string };
      };
      expect(build.compilerOptions).to.deep.include({ outDir: "build", rootDir: "." });
      expect(unit).to.contain("ExecStart=/usr/bin/env node build/scripts/serve.js\n");
      expect(unit).not.to.contain("ts-node");
    });

    it("is configured only with variables the service reads, pointing at the stack's own stores", () => {
      expect(settings(envFile)).to.have.members([
        "HSS_VALKEY_ENDPOINT",
        "HSS_DYNAMODB_REGION",
        "HSS_TABLE",
        "TOXIPROXY_URL",
        "PORT",
        "HOST",
      ]);
      for (const name of settings(envFile)) expect(CONFIG_VARIABLES).to.include(name);
      expect(envFile).to.contain(
        `HSS_VALKEY_ENDPOINT=\${ValkeyReplicationGroup.ConfigurationEndPoint.Address}:\${ValkeyReplicationGroup.ConfigurationEndPoint.Port}\n`,
      );
      expect(envFile).to.contain(`HSS_TABLE=\${SessionTable}\n`);
      // Port 8000 on loopback only: the security group has no inbound rule; reach it over SSM.
      expect(envFile).to.contain("PORT=8000\nHOST=127.0.0.1\n");
    });
  });

  it("administers the runner through SSM Session Manager", () => {
    expect(props(realTemplate(), "InstanceRole").ManagedPolicyArns).to.deep.equal([
      { "Fn::Sub": `arn:\${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore` },
    ]);
  });

  it("gives the runner's security group no inbound rule", () => {
    expect(props(realTemplate(), "InstanceSecurityGroup")).not.to.have.property(
      "SecurityGroupIngress",
    );
  });
});

describe("the command line", () => {
  const SEED_000 = join(ROOT, "test", "infra", "fixtures", "seed-000-description.yaml");

  function runInProcess(...args: string[]): { status: number; lines: string[] } {
    const lines: string[] = [];
    const status = runCli(args, (line) => lines.push(line));
    return { status, lines };
  }

  it("exits 0 on the real template", () => {
    expect(runInProcess(TEMPLATE_PATH)).to.deep.equal({
      status: 0,
      lines: [`${TEMPLATE_PATH}: no problems`],
    });
  });

  it("prints one line per problem and exits 1", () => {
    const { status, lines } = runInProcess(SEED_000);
    expect(status).to.equal(1);
    expect(lines).to.have.length(2);
    expect(lines[0]).to.contain("unknown property Description");
    expect(lines[1]).to.contain("missing required property ReplicationGroupDescription");
  });

  it("exits 2 without exactly one file", () => {
    expect(runInProcess().status).to.equal(2);
  });

  it("sets the process exit code when run as a script", () => {
    const result = spawnSync(
      process.execPath,
      ["--require", "ts-node/register", "infra/checkTemplate.ts", SEED_000],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(result.status).to.equal(1);
    expect(result.stdout.trim().split("\n")).to.have.length(2);
  });
});
