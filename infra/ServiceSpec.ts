import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type {
  DimensionSet,
  PropertyType,
  Resource,
  SpecDatabase,
  TypeDefinition,
} from "@aws-cdk/service-spec-types";

export type { PropertyType, Resource, TypeDefinition };

/**
 * The CloudFormation resource schemas shipped in @aws-cdk/aws-service-spec, through the package's own
 * loader. Loading takes most of a second, so one instance is shared by every check in a process.
 */
export class ServiceSpec {
  private static shared: ServiceSpec | undefined;

  static load(): ServiceSpec {
    ServiceSpec.shared ??= new ServiceSpec(loadAwsServiceSpecSync());
    return ServiceSpec.shared;
  }

  private constructor(private readonly db: SpecDatabase) {}

  /** The resource schema of a type such as `AWS::DynamoDB::Table`, or undefined if there is none. */
  resource(cloudFormationType: string): Resource | undefined {
    return this.db.lookup("resource", "cloudFormationType", "equals", cloudFormationType)[0];
  }

  /** The property type (e.g. `TimeToLiveSpecification`) a `ref` property type points to. */
  typeDefinition(type: PropertyType & { type: "ref" }): TypeDefinition {
    return this.db.get("typeDefinition", type.reference);
  }

  /**
   * The dimension-name sets a CloudWatch metric is published with, or undefined when the spec does
   * not describe the metric (then nothing can be said about it).
   */
  metricDimensionSets(namespace: string, metricName: string): string[][] | undefined {
    const sets: DimensionSet[] = this.db
      .lookup("metric", "name", "equals", metricName)
      .filter((metric) => metric.namespace === namespace)
      .flatMap((metric) => this.db.follow("usesDimensionSet", metric).map((link) => link.entity));
    if (sets.length === 0) return undefined;
    return sets.map((set) => set.dimensions.map((dimension) => dimension.name));
  }
}
