/**
 * Instance and machine types a node pool may use: family, sizes, vCPUs, memory and CPU architecture.
 * Data, not logic; stacks/cloud-checks.ts checks config against it and components/aws/eksCluster.ts
 * picks the AMI from the architecture.
 *
 * Sources (taken 2026-12-02): EC2 "Instance type specifications" (docs.aws.amazon.com/ec2/latest/
 * instancetypes): general purpose 4 GiB per vCPU, compute optimized 2, memory optimized 8; sizes
 * large = 2 vCPUs, xlarge = 4, Nxlarge = 4N; Graviton families (`a1`, `*g`, `*gd`, `*gn`, `t4g`) are
 * arm64. Compute Engine "Machine families resource and comparison guide" (cloud.google.com/compute/
 * docs/machine-resource): `<family>-<class>-<vCPUs>`, standard ≈ 4 GB per vCPU (n1 3.75, c4 3.75),
 * highmem ≈ 8 (n1 6.5, c4 7.75), highcpu ≈ 1–2 (n1 0.9); t2a and c4a are Arm (Ampere Altra, Axion).
 * Only the families listed are accepted; add a family here when a stack needs it.
 */

export type Arch = "x86_64" | "arm64";

export interface MachineType {
    readonly vcpus: number;
    readonly memoryGiB: number;
    readonly arch: Arch;
}

// ---- EC2 ----

const EC2_SIZE_VCPUS: Readonly<Record<string, number>> = {
    medium: 1, large: 2, xlarge: 4, "2xlarge": 8, "3xlarge": 12, "4xlarge": 16, "6xlarge": 24, "8xlarge": 32, "9xlarge": 36,
    "12xlarge": 48, "16xlarge": 64, "18xlarge": 72, "24xlarge": 96, "32xlarge": 128, "48xlarge": 192,
};

const GEN5 = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"];
const C5 = ["large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge", "metal"];
const GEN6 = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "metal"];
const AMD = ["medium", ...GEN6.slice(0, -1), "48xlarge", "metal"];
const GEN7 = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal"];
const FLEX = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];
const GRAVITON = ["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"];
const GRAVITON4 = [...GRAVITON.slice(0, -1), "24xlarge", "48xlarge", "metal"];

interface Ec2Family { readonly memoryPerVcpu: number; readonly arch: Arch; readonly sizes: readonly string[] }
const fam = (memoryPerVcpu: number, sizes: readonly string[], arch: Arch = "x86_64"): Ec2Family => ({ memoryPerVcpu, sizes, arch });

export const EC2_FAMILIES: Readonly<Record<string, Ec2Family>> = {
    m5: fam(4, GEN5), m5a: fam(4, GEN5), m5d: fam(4, GEN5), m5n: fam(4, GEN5),
    m6i: fam(4, GEN6), m6id: fam(4, GEN6), m6in: fam(4, GEN6), m6a: fam(4, AMD),
    m7i: fam(4, GEN7), "m7i-flex": fam(4, FLEX), m7a: fam(4, AMD), m8i: fam(4, GEN7),
    m6g: fam(4, GRAVITON, "arm64"), m6gd: fam(4, GRAVITON, "arm64"), m7g: fam(4, GRAVITON, "arm64"), m7gd: fam(4, GRAVITON, "arm64"),
    m8g: fam(4, GRAVITON4, "arm64"), m8gd: fam(4, GRAVITON4, "arm64"),
    c5: fam(2, C5), c5a: fam(2, GEN5), c5d: fam(2, C5), c5n: fam(2.625, ["large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge", "metal"]),
    c6i: fam(2, GEN6), c6id: fam(2, GEN6), c6in: fam(2, GEN6), c6a: fam(2, AMD),
    c7i: fam(2, GEN7), "c7i-flex": fam(2, FLEX), c7a: fam(2, AMD), c8i: fam(2, GEN7),
    c6g: fam(2, GRAVITON, "arm64"), c6gd: fam(2, GRAVITON, "arm64"), c6gn: fam(2, GRAVITON, "arm64"),
    c7g: fam(2, GRAVITON, "arm64"), c7gd: fam(2, GRAVITON, "arm64"), c7gn: fam(2, GRAVITON, "arm64"),
    c8g: fam(2, GRAVITON4, "arm64"), c8gd: fam(2, GRAVITON4, "arm64"),
    r5: fam(8, GEN5), r5a: fam(8, GEN5), r5d: fam(8, GEN5), r5n: fam(8, GEN5),
    r6i: fam(8, GEN6), r6id: fam(8, GEN6), r6in: fam(8, GEN6), r6a: fam(8, AMD),
    r7i: fam(8, GEN7), r7a: fam(8, AMD), r8i: fam(8, GEN7),
    r6g: fam(8, GRAVITON, "arm64"), r6gd: fam(8, GRAVITON, "arm64"), r7g: fam(8, GRAVITON, "arm64"), r7gd: fam(8, GRAVITON, "arm64"),
    r8g: fam(8, GRAVITON4, "arm64"), r8gd: fam(8, GRAVITON4, "arm64"),
};

/** Burstable and first-generation Graviton types, whose memory does not follow a per-vCPU ratio. */
export const EC2_SPECIAL: Readonly<Record<string, MachineType>> = Object.fromEntries([
    ...(["t3", "t3a", "t4g"] as const).flatMap(f => {
        const arch: Arch = f === "t4g" ? "arm64" : "x86_64";
        return ([["nano", 2, 0.5], ["micro", 2, 1], ["small", 2, 2], ["medium", 2, 4], ["large", 2, 8], ["xlarge", 4, 16], ["2xlarge", 8, 32]] as const)
            .map(([size, vcpus, memoryGiB]) => [`${f}.${size}`, { vcpus, memoryGiB, arch }]);
    }),
    ...([["medium", 1, 2], ["large", 2, 4], ["xlarge", 4, 8], ["2xlarge", 8, 16], ["4xlarge", 16, 32], ["metal", 16, 32]] as const)
        .map(([size, vcpus, memoryGiB]) => [`a1.${size}`, { vcpus, memoryGiB, arch: "arm64" as Arch }]),
]);

// ---- Compute Engine ----

interface GceClass { readonly memoryPerVcpu: number; readonly vcpus: readonly number[] }
interface GceFamily { readonly arch: Arch; readonly classes: Readonly<Record<string, GceClass>> }
const cls = (memoryPerVcpu: number, vcpus: readonly number[]): GceClass => ({ memoryPerVcpu, vcpus });

export const GCE_FAMILIES: Readonly<Record<string, GceFamily>> = {
    e2: { arch: "x86_64", classes: { standard: cls(4, [2, 4, 8, 16, 32]), highmem: cls(8, [2, 4, 8, 16]), highcpu: cls(1, [2, 4, 8, 16, 32]) } },
    n1: { arch: "x86_64", classes: { standard: cls(3.75, [1, 2, 4, 8, 16, 32, 64, 96]), highmem: cls(6.5, [2, 4, 8, 16, 32, 64, 96]), highcpu: cls(0.9, [2, 4, 8, 16, 32, 64, 96]) } },
    n2: { arch: "x86_64", classes: { standard: cls(4, [2, 4, 8, 16, 32, 48, 64, 80, 96, 128]), highmem: cls(8, [2, 4, 8, 16, 32, 48, 64, 80, 96, 128]), highcpu: cls(1, [2, 4, 8, 16, 32, 48, 64, 80, 96]) } },
    n2d: { arch: "x86_64", classes: { standard: cls(4, [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224]), highmem: cls(8, [2, 4, 8, 16, 32, 48, 64, 80, 96]), highcpu: cls(1, [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224]) } },
    n4: { arch: "x86_64", classes: { standard: cls(4, [2, 4, 8, 16, 32, 48, 64, 80]), highmem: cls(8, [2, 4, 8, 16, 32, 48, 64, 80]), highcpu: cls(2, [2, 4, 8, 16, 32, 48, 64, 80]) } },
    c2: { arch: "x86_64", classes: { standard: cls(4, [4, 8, 16, 30, 60]) } },
    c2d: { arch: "x86_64", classes: { standard: cls(4, [2, 4, 8, 16, 32, 56, 112]), highmem: cls(8, [2, 4, 8, 16, 32, 56, 112]), highcpu: cls(2, [2, 4, 8, 16, 32, 56, 112]) } },
    c3: { arch: "x86_64", classes: { standard: cls(4, [4, 8, 22, 44, 88, 176]), highmem: cls(8, [4, 8, 22, 44, 88, 176]), highcpu: cls(2, [4, 8, 22, 44, 88, 176]) } },
    c3d: { arch: "x86_64", classes: { standard: cls(4, [4, 8, 16, 30, 60, 90, 180, 360]), highmem: cls(8, [4, 8, 16, 30, 60, 90, 180, 360]), highcpu: cls(2, [4, 8, 16, 30, 60, 90, 180, 360]) } },
    c4: { arch: "x86_64", classes: { standard: cls(3.75, [2, 4, 8, 16, 32, 48, 96, 144, 192, 288]), highmem: cls(7.75, [2, 4, 8, 16, 32, 48, 96, 144, 192, 288]), highcpu: cls(2, [2, 4, 8, 16, 32, 48, 96, 144, 192, 288]) } },
    t2d: { arch: "x86_64", classes: { standard: cls(4, [1, 2, 4, 8, 16, 32, 48, 60]) } },
    t2a: { arch: "arm64", classes: { standard: cls(4, [1, 2, 4, 8, 16, 32, 48]) } },
    c4a: { arch: "arm64", classes: { standard: cls(4, [1, 2, 4, 8, 16, 32, 48, 64, 72]), highmem: cls(8, [1, 2, 4, 8, 16, 32, 48, 64, 72]), highcpu: cls(2, [1, 2, 4, 8, 16, 32, 48, 64, 72]) } },
};

/** Shared-core types (fractional vCPUs). */
export const GCE_SPECIAL: Readonly<Record<string, MachineType>> = {
    "e2-micro": { vcpus: 0.25, memoryGiB: 1, arch: "x86_64" },
    "e2-small": { vcpus: 0.5, memoryGiB: 2, arch: "x86_64" },
    "e2-medium": { vcpus: 1, memoryGiB: 4, arch: "x86_64" },
};

/** The EC2 instance type, or why it is not one this project knows. */
export function ec2Type(name: string): MachineType | string {
    if (EC2_SPECIAL[name]) return EC2_SPECIAL[name]!;
    const [family, size, ...rest] = name.split(".");
    const f = family === undefined ? undefined : EC2_FAMILIES[family];
    if (f === undefined || size === undefined || rest.length > 0) {
        return `an EC2 instance type of a known family (${[...Object.keys(EC2_FAMILIES), "t3", "t3a", "t4g", "a1"].join(", ")}; components/machine-types.ts)`;
    }
    if (!f.sizes.includes(size)) return `an EC2 instance type that exists: ${family} comes in ${f.sizes.join(", ")}`;
    const vcpus = size === "metal" ? Math.max(...f.sizes.filter(s => s !== "metal").map(s => EC2_SIZE_VCPUS[s]!)) : EC2_SIZE_VCPUS[size]!;
    return { vcpus, memoryGiB: vcpus * f.memoryPerVcpu, arch: f.arch };
}

/** The Compute Engine machine type, or why it is not one this project knows. */
export function gceType(name: string): MachineType | string {
    if (GCE_SPECIAL[name]) return GCE_SPECIAL[name]!;
    const m = /^([a-z0-9]+)-([a-z]+)-(\d+)$/.exec(name);
    const f = m ? GCE_FAMILIES[m[1]!] : undefined;
    if (!m || f === undefined) {
        return `a Compute Engine machine type of a known family (${Object.keys(GCE_FAMILIES).join(", ")}; components/machine-types.ts)`;
    }
    const c = f.classes[m[2]!];
    if (c === undefined) return `a Compute Engine machine type that exists: ${m[1]} comes in ${Object.keys(f.classes).map(k => `${m[1]}-${k}`).join(", ")}`;
    const vcpus = Number(m[3]);
    if (!c.vcpus.includes(vcpus)) return `a Compute Engine machine type that exists: ${m[1]}-${m[2]} comes with ${c.vcpus.join(", ")} vCPUs`;
    return { vcpus, memoryGiB: vcpus * c.memoryPerVcpu, arch: f.arch };
}

/** The EKS AMI type for an instance type: ARM for Graviton, x86 otherwise (unknown types: x86; validation rejects them first). */
export function amiTypeFor(instanceType: string): "AL2023_ARM_64_STANDARD" | "AL2023_x86_64_STANDARD" {
    const t = ec2Type(instanceType);
    return typeof t !== "string" && t.arch === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}
