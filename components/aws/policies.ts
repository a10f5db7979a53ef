/** IAM and bucket policy documents, as pure functions of ARNs, so tests read them directly. */

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Record<string, unknown>[];
}

const doc = (...Statement: Record<string, unknown>[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

/** Trust for one AWS service (eks.amazonaws.com, ec2.amazonaws.com, vpc-flow-logs.amazonaws.com). */
export function serviceTrustPolicy(service: string): PolicyDocument {
    return doc({ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" });
}

/**
 * IRSA trust: only the given Kubernetes service account of this cluster's OIDC issuer may assume
 * the role (`sub` pinned to system:serviceaccount:<ns>:<sa>, `aud` to STS).
 */
export function irsaTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): PolicyDocument {
    const issuer = issuerUrl.replace(/^https:\/\//, "");
    return doc({
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
            StringEquals: {
                [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                [`${issuer}:aud`]: "sts.amazonaws.com",
            },
        },
    });
}

/**
 * Object access to exactly the given buckets, plus use of their KMS key only through S3 in the
 * region and only for these buckets (S3 Bucket Keys: the encryption context is the bucket ARN).
 */
export function bucketAccessPolicy(bucketArns: readonly string[], objectActions: readonly string[], kmsKeyArn: string, region: string): PolicyDocument {
    return doc(
        { Sid: "ListOwnBuckets", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [...bucketArns] },
        { Sid: "ObjectsInOwnBuckets", Effect: "Allow", Action: [...objectActions], Resource: bucketArns.map(a => `${a}/*`) },
        { Sid: "UseBucketKeyThroughS3", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn,
            Condition: {
                StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
                ArnLike: { "kms:EncryptionContext:aws:s3:arn": bucketArns.flatMap(a => [a, `${a}/*`]) },
            } },
    );
}

/**
 * What the EBS CSI driver needs on the volume key to create and attach encrypted volumes
 * (AmazonEBSCSIDriverPolicy covers EC2 only): grants for AWS resources, and data-key use through EC2.
 */
export function ebsCsiKmsPolicy(kmsKeyArn: string, region: string): PolicyDocument {
    return doc(
        { Sid: "GrantsForAttachedVolumes", Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: kmsKeyArn,
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
        { Sid: "EncryptVolumesThroughEc2", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: kmsKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `ec2.${region}.amazonaws.com` } } },
    );
}

/** Key administration without use: what the deploy role needs to manage (and Pulumi to read) a key. */
export const KMS_ADMIN_ACTIONS = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*",
    "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
];

/** What each key of a cluster is for; each gets its own key policy (keyPolicy). */
export type KeyUse =
    /** EKS envelope encryption of Kubernetes Secrets: the cluster role, directly. */
    | { readonly kind: "eksSecrets"; readonly clusterRoleArn: string }
    /** S3 SSE-KMS: principals of the account, only through S3 in the region (and IAM must allow them too). */
    | { readonly kind: "s3" }
    /** EBS volumes: principals of the account, only through EC2 in the region (the CSI driver's IAM policy). */
    | { readonly kind: "ebs" }
    /** CloudWatch Logs of the given log groups (EKS control plane, VPC flow logs). */
    | { readonly kind: "logs"; readonly logGroupArns: readonly string[] };

/**
 * An explicit key policy: the deploy role administers the key (it cannot use it), and only the one
 * use the key exists for is allowed. No statement grants the account root `kms:*`, so IAM policies
 * alone never open a key (the default key policy would delegate everything to IAM).
 */
export function keyPolicy(args: { readonly accountId: string; readonly region: string; readonly deployRole: string; readonly use: KeyUse }): PolicyDocument {
    const { accountId, region, use } = args;
    const root = `arn:aws:iam::${accountId}:root`;
    const admin = { Sid: "KeyAdministration", Effect: "Allow", Principal: { AWS: args.deployRole }, Action: KMS_ADMIN_ACTIONS, Resource: "*" };
    const viaService = (service: string) => ({ StringEquals: { "kms:ViaService": `${service}.${region}.amazonaws.com`, "kms:CallerAccount": accountId } });
    switch (use.kind) {
        case "eksSecrets":
            return doc(admin, { Sid: "EksSecretsEncryption", Effect: "Allow", Principal: { AWS: use.clusterRoleArn },
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:ListGrants", "kms:CreateGrant"], Resource: "*" });
        case "s3":
            return doc(admin, { Sid: "UseThroughS3", Effect: "Allow", Principal: { AWS: root },
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: "*", Condition: viaService("s3") });
        case "ebs":
            return doc(admin,
                { Sid: "UseThroughEc2", Effect: "Allow", Principal: { AWS: root },
                    Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: "*", Condition: viaService("ec2") },
                { Sid: "GrantsForAttachedVolumes", Effect: "Allow", Principal: { AWS: root }, Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    Resource: "*", Condition: { ...viaService("ec2"), Bool: { "kms:GrantIsForAWSResource": "true" } } });
        case "logs":
            return doc(admin, { Sid: "CloudWatchLogsOfThisCluster", Effect: "Allow", Principal: { Service: `logs.${region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], Resource: "*",
                Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": [...use.logGroupArns] } } });
    }
}

/** VPC flow logs delivery to one CloudWatch log group. */
export function flowLogsDeliveryPolicy(logGroupArn: string): PolicyDocument {
    return doc({ Sid: "DeliverFlowLogs", Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"], Resource: [logGroupArn, `${logGroupArn}:*`] });
}

/**
 * Cluster Autoscaler on EKS managed node groups (its AWS README, "Minimal IAM Permissions Policy"):
 * describe anything; change sizes only of groups tagged for this cluster.
 */
export function clusterAutoscalerPolicy(clusterName: string): PolicyDocument {
    return doc(
        { Sid: "Describe", Effect: "Allow", Resource: "*", Action: [
            "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeLaunchConfigurations",
            "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup",
        ] },
        { Sid: "ScaleOwnNodeGroups", Effect: "Allow", Resource: "*",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } } },
    );
}

/** Denies any request to the bucket that is not over TLS 1.2 or newer. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    const resources = [bucketArn, `${bucketArn}/*`];
    return doc(
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: resources, Condition: { Bool: { "aws:SecureTransport": "false" } } },
        { Sid: "DenyOutdatedTls", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: resources, Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
    );
}
