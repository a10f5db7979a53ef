/**
 * Every policy of the pack, one per file. Tests and the offline preview use this list (or the
 * single policies); only ../index.ts constructs the PolicyPack.
 */
import type { Policies } from "@pulumi/policy";
import { chartsPolicy } from "./charts";
import { defaultDenyPolicy } from "./defaultDeny";
import { kmsKeyPolicyPolicy } from "./kmsKeyPolicy";
import { lifecyclePolicy } from "./lifecycle";
import { protectionPolicy } from "./protection";
import { redMetricsPolicy } from "./redMetrics";
import { retentionPolicy } from "./retention";
import { samplingPolicy } from "./sampling";
import { secretHygienePolicy } from "./secretHygiene";
import { storageSecurityPolicy } from "./storageSecurity";
import { workloadsPolicy } from "./workloads";

export const POLICIES: Readonly<Policies> = [
    retentionPolicy,
    lifecyclePolicy,
    samplingPolicy,
    redMetricsPolicy,
    storageSecurityPolicy,
    kmsKeyPolicyPolicy,
    secretHygienePolicy,
    chartsPolicy,
    workloadsPolicy,
    defaultDenyPolicy,
    protectionPolicy,
];
