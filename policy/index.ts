/**
 * The CrossGuard policy pack `observability`: `pulumi preview --policy-pack policy
 * --policy-pack-config policy/config/<env>.json`. This file only constructs the pack (the
 * constructor starts the analyzer's gRPC server): tests and the offline preview import
 * ./policies instead. Enforcement levels come from the config files; a policy missing from the
 * config runs at its own level.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("observability", { policies: [...POLICIES] });
