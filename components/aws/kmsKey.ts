/**
 * obs:aws:KmsKey — one customer-managed KMS key for one use (EKS Secrets, S3 data, EBS volumes or
 * CloudWatch logs) with rotation on and an explicit key policy (policies.ts `keyPolicy`): the deploy
 * role administers it, and only that one use is allowed. Separate keys keep a grant for one kind of
 * data from opening another.
 */
import * as pulumi from "@pulumi/pulumi";
import { Alias, Key } from "@pulumi/aws/kms";
import { dataProtection } from "../platform";
import { keyPolicy, KeyUse } from "./policies";

export interface KmsKeyArgs {
    readonly description: string;
    readonly accountId: string;
    readonly region: string;
    /** The role that runs `pulumi up`: the only key administrator. */
    readonly deployRole: string;
    /** The key's one use; Outputs inside (role ARNs) are resolved before the policy is written. */
    readonly use: pulumi.Input<KeyUse>;
    /** Days a scheduled deletion waits. */
    readonly deletionWindowInDays: number;
    /** Protect and retain the key (prod): data encrypted with it would be lost with it. */
    readonly protect: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

export class KmsKey extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: KmsKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:aws:KmsKey", name, {}, opts);
        this.arn = createKey(this, name, args).arn;
        this.registerOutputs({ arn: this.arn });
    }
}

/** @internal */
function createKey(parent: pulumi.Resource, name: string, args: KmsKeyArgs): Key {
    const key = new Key(name, {
        description: args.description,
        enableKeyRotation: true,
        deletionWindowInDays: args.deletionWindowInDays,
        policy: pulumi.output(args.use).apply(use => JSON.stringify(keyPolicy({ accountId: args.accountId, region: args.region, deployRole: args.deployRole, use }))),
        tags: args.tags,
    }, { parent, ...dataProtection(args.protect) });
    // `name` is names.kmsKey(cluster, use), so this is names.kmsAlias(cluster, use), which the name checks cover.
    new Alias(name, { name: `alias/${name}`, targetKeyId: key.keyId }, { parent });
    return key;
}
