/**
 * Every KMS key has an explicit key policy. Without one AWS applies the default policy, which
 * delegates every use of the key to IAM (`kms:*` for the account root), so any identity of the
 * account with a broad IAM policy could decrypt the observability data. An explicit policy also
 * must not open the key to every principal without a condition.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asList, dig, policyStatements, T } from "../lib/common";

const isEveryone = (principal: unknown) => principal === "*" || asList(dig(principal, "AWS")).includes("*");

export const kmsKeyPolicyPolicy: ResourceValidationPolicy = {
    name: "obs-kms-configure-key-policy",
    description: "Every KMS key has an explicit key policy, so access to the data it encrypts is decided by the key and not by any broad IAM policy of the account, and no statement opens the key to every principal without a condition.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== T.kmsKey) return;
        const policy = args.props.policy;
        if (policy === undefined || policy === null || policy === "") {
            reportViolation(`KMS key ${args.name} has no explicit key policy, so AWS's default policy delegates every use of the key to IAM; set the key's policy input (components/aws).`);
            return;
        }
        const stmts = policyStatements(policy);
        if (!stmts) {
            reportViolation(`KMS key ${args.name} has a key policy that is not a JSON policy document; write it with JSON.stringify of a document with Version and Statement.`);
            return;
        }
        for (const s of stmts) {
            if (s.Effect === "Allow" && isEveryone(s.Principal) && !s.Condition) {
                reportViolation(`KMS key ${args.name} allows every principal (Principal "*")${s.Sid ? ` in statement ${s.Sid}` : ""} without a condition; name the principals that use the key.`);
            }
        }
    },
};
