/**
 * Kubeconfigs with exec-based authentication: the Kubernetes provider obtains a short-lived token
 * on every run (`aws eks get-token`, `gke-gcloud-auth-plugin`), so no credential is stored in state.
 * Both take the ambient credentials the cloud providers use: the AWS credential chain (including
 * web identity, as GitHub OIDC sets it up) and Google application default credentials.
 * Pure functions of plain values; components call them inside `pulumi.all(...).apply(...)`.
 */
import { stringify } from "yaml";

interface ClusterEndpoint {
    readonly name: string;
    readonly server: string;
    readonly caData: string;
}

function kubeconfig(c: ClusterEndpoint, exec: Record<string, unknown>): string {
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: c.name, cluster: { server: c.server, "certificate-authority-data": c.caData } }],
        contexts: [{ name: c.name, context: { cluster: c.name, user: c.name } }],
        "current-context": c.name,
        users: [{ name: c.name, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", interactiveMode: "Never", ...exec } } }],
    });
}

export function eksKubeconfig(c: ClusterEndpoint & { readonly region: string }): string {
    return kubeconfig(c, { command: "aws", args: ["eks", "get-token", "--cluster-name", c.name, "--region", c.region, "--output", "json"] });
}

export function gkeKubeconfig(c: ClusterEndpoint): string {
    return kubeconfig({ ...c, server: c.server.startsWith("https://") ? c.server : `https://${c.server}` },
        // Application default credentials: a service-account key file or, in CI, an OIDC-federated
        // identity (GOOGLE_APPLICATION_CREDENTIALS with an external_account file) — no gcloud login needed.
        { command: "gke-gcloud-auth-plugin", args: ["--use_application_default_credentials"], provideClusterInfo: true });
}
