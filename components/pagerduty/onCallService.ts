/**
 * obs:pagerduty:OnCallService — PagerDuty as code for one environment: a PagerDuty service on an
 * existing escalation policy (looked up by name, so on-call schedules stay owned by whoever runs
 * PagerDuty) and an Events API v2 integration. The integration key is exposed only as a secret
 * Output, for the Alertmanager receivers' Secret.
 *
 * Needs a `pagerduty` provider in `opts.providers` (explicit, token from the stack secret).
 */
import * as pulumi from "@pulumi/pulumi";
import { getEscalationPolicyOutput } from "@pulumi/pagerduty/getEscalationPolicy";
import { Service } from "@pulumi/pagerduty/service";
import { ServiceIntegration } from "@pulumi/pagerduty/serviceIntegration";

/** PagerDuty's integration type for the Events API v2 (what Alertmanager's pagerduty_configs send). */
export const EVENTS_API_V2 = "events_api_v2_inbound_integration";

export interface OnCallServiceArgs {
    /** The PagerDuty service's name, e.g. "observability-prod". */
    readonly serviceName: pulumi.Input<string>;
    readonly description: pulumi.Input<string>;
    /** Name of an existing escalation policy. */
    readonly escalationPolicyName: pulumi.Input<string>;
}

export class OnCallService extends pulumi.ComponentResource {
    /** The Events API v2 routing key (secret). */
    public readonly integrationKey: pulumi.Output<string>;
    public readonly serviceId: pulumi.Output<string>;

    constructor(name: string, args: OnCallServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:pagerduty:OnCallService", name, {}, opts);
        const created = createOnCallService(this, name, args);
        this.integrationKey = created.integrationKey;
        this.serviceId = created.serviceId;
        this.registerOutputs({ integrationKey: this.integrationKey, serviceId: this.serviceId });
    }
}

/** @internal */
function createOnCallService(parent: pulumi.Resource, name: string, args: OnCallServiceArgs) {
    const policy = getEscalationPolicyOutput({ name: args.escalationPolicyName }, { parent });
    const service = new Service(`${name}-service`, {
        name: args.serviceName,
        description: args.description,
        escalationPolicy: policy.id,
        // Alertmanager resolves its own alerts (send_resolved); PagerDuty must not close them early.
        autoResolveTimeout: "null",
        alertCreation: "create_alerts_and_incidents",
    }, { parent });
    const integration = new ServiceIntegration(`${name}-events-v2`, {
        name: "Alertmanager (Events API v2)",
        service: service.id,
        type: EVENTS_API_V2,
    }, { parent, additionalSecretOutputs: ["integrationKey"] });
    return { integrationKey: pulumi.secret(integration.integrationKey), serviceId: service.id };
}
