/**
 * The regions each cloud offers, and the ARN partition of every AWS region. Data, not logic: the
 * checks live in stacks/cloud-checks.ts.
 *
 * - AWS: the `Region` enum of @pulumi/aws 7.48.0 (`types/enums/index.d.ts`, the provider this
 *   program is pinned to), taken 2026-12-02; partitions as in AWS's partitions table
 *   (aws, aws-cn, aws-us-gov, aws-eusc, aws-iso*). Refresh: `aws account list-regions` per partition.
 * - GCP: Google Cloud's "Regions and zones" list (cloud.google.com/compute/docs/regions-zones) as
 *   known when this file was written, 2026-12-02 (no offline source exists here; @pulumi/gcp has no
 *   region enum). Refresh: `gcloud compute regions list --format='value(name)'`.
 */

export const REGIONS_TAKEN = "2026-12-02";

/** AWS partitions by region prefix (the `arn:<partition>:` of every ARN in that region). */
export const AWS_PARTITIONS = ["aws", "aws-cn", "aws-us-gov", "aws-eusc", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"] as const;
export type AwsPartition = (typeof AWS_PARTITIONS)[number];

export const AWS_REGIONS: Readonly<Record<string, AwsPartition>> = {
    "af-south-1": "aws", "ap-east-1": "aws", "ap-east-2": "aws", "ap-northeast-1": "aws", "ap-northeast-2": "aws",
    "ap-northeast-3": "aws", "ap-south-1": "aws", "ap-south-2": "aws", "ap-southeast-1": "aws", "ap-southeast-2": "aws",
    "ap-southeast-3": "aws", "ap-southeast-4": "aws", "ap-southeast-5": "aws", "ap-southeast-6": "aws", "ap-southeast-7": "aws",
    "ca-central-1": "aws", "ca-west-1": "aws", "eu-central-1": "aws", "eu-central-2": "aws", "eu-north-1": "aws",
    "eu-south-1": "aws", "eu-south-2": "aws", "eu-west-1": "aws", "eu-west-2": "aws", "eu-west-3": "aws",
    "il-central-1": "aws", "me-central-1": "aws", "me-south-1": "aws", "mx-central-1": "aws", "sa-east-1": "aws",
    "us-east-1": "aws", "us-east-2": "aws", "us-west-1": "aws", "us-west-2": "aws",
    "cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
    "us-gov-east-1": "aws-us-gov", "us-gov-west-1": "aws-us-gov",
    "eusc-de-east-1": "aws-eusc",
    "us-iso-east-1": "aws-iso", "us-iso-west-1": "aws-iso",
    "us-isob-east-1": "aws-iso-b", "us-isob-west-1": "aws-iso-b",
    "eu-isoe-west-1": "aws-iso-e",
    "us-isof-east-1": "aws-iso-f", "us-isof-south-1": "aws-iso-f",
};

export const GCP_REGIONS: readonly string[] = [
    "africa-south1",
    "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1", "asia-south2",
    "asia-southeast1", "asia-southeast2", "asia-southeast3",
    "australia-southeast1", "australia-southeast2",
    "europe-central2", "europe-north1", "europe-north2", "europe-southwest1", "europe-west1", "europe-west2", "europe-west3",
    "europe-west4", "europe-west6", "europe-west8", "europe-west9", "europe-west10", "europe-west12",
    "me-central1", "me-central2", "me-west1",
    "northamerica-northeast1", "northamerica-northeast2", "northamerica-south1",
    "southamerica-east1", "southamerica-west1",
    "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
];
