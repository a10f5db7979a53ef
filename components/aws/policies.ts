/** IAM and bucket policy documents, as pure functions of ARNs, so tests read them directly. */

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Record<string, unknown>[];
}

const doc = (...Statement: Record<string, unknown>[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

/** Trust for one AWS service (eks.amazonaws.com, ec2.amazonaws.com). */
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

/** Object access to exactly the given buckets, plus use of their KMS key. */
export function bucketAccessPolicy(bucketArns: readonly string[], objectActions: readonly string[], kmsKeyArn: string): PolicyDocument {
    return doc(
        { Sid: "ListOwnBuckets", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [...bucketArns] },
        { Sid: "ObjectsInOwnBuckets", Effect: "Allow", Action: [...objectActions], Resource: bucketArns.map(a => `${a}/*`) },
        { Sid: "UseBucketKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn },
    );
}

/**
 * What the EBS CSI driver needs on a customer-managed key to create and attach encrypted volumes
 * (AmazonEBSCSIDriverPolicy covers EC2 only): grants for AWS resources, and data-key use.
 */
export function ebsCsiKmsPolicy(kmsKeyArn: string): PolicyDocument {
    return doc(
        { Sid: "GrantsForAttachedVolumes", Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: kmsKeyArn,
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
        { Sid: "EncryptVolumes", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: kmsKeyArn },
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
