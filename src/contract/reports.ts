import { z } from 'zod';
import { emailSchema, slugSchema } from './api.js';

/** Compliance evidence packs (docs/compliance.md): request, files and the signed manifest. */

export const FRAMEWORKS = ['soc2', 'iso27001', 'hipaa', 'gdpr'] as const;
export type Framework = (typeof FRAMEWORKS)[number];
export const FRAMEWORK_NAMES: Readonly<Record<Framework, string>> = {
  soc2: 'SOC 2 (Trust Services Criteria)',
  iso27001: 'ISO/IEC 27001:2022 Annex A',
  hipaa: 'HIPAA Security Rule §164.312',
  gdpr: 'GDPR',
};

/** A period bound: a date (YYYY-MM-DD) or an ISO 8601 time with a zone; a date `until` includes that whole day. */
const bound = z.string().max(64, 'must be at most 64 characters');

export const reportRequestSchema = z
  .object({
    framework: z.enum(FRAMEWORKS, { message: `must be one of ${FRAMEWORKS.join(', ')}` }),
    since: bound,
    until: bound,
    project: slugSchema.optional(),
  })
  .strict();
export type ReportRequest = z.infer<typeof reportRequestSchema>;

/** One file of a pack as the API returns it (the CLI writes `content` to DIR/name). */
export interface ReportFile {
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
  /** base64 of the file's bytes */
  readonly content: string;
}

/** The pack: every file, manifest.json and its detached signature manifest.sig among them. */
export interface ReportPack {
  readonly id: string;
  readonly framework: Framework;
  readonly files: readonly ReportFile[];
}

export interface ReportVerification {
  /** true when every entry of the period's seq range matched what the signed tree committed to */
  readonly ok: boolean;
  readonly fromSeq: number | null;
  readonly toSeq: number | null;
  /** entries checked against the checkpoint */
  readonly verified: number;
  /** leaves whose entries a recorded retention purge removed */
  readonly purged: number;
  readonly problems: readonly { readonly seq: number | null; readonly field: string; readonly message: string }[];
}

/** manifest.json: what the signature covers, and through the hashes, every other file. */
export interface ReportManifest {
  readonly format: 'bella-evidence-pack/1';
  readonly id: string;
  readonly kind: 'framework' | 'subject-access';
  readonly framework: Framework | null;
  readonly generatedAt: string;
  readonly generatedBy: { readonly type: string; readonly id: string | null; readonly email: string | null };
  /** [from, to): ISO instants */
  readonly period: { readonly from: string; readonly to: string };
  readonly filters: Readonly<Record<string, string | null>>;
  readonly instance: { readonly origin: string; readonly publicKey: string };
  /** The signed checkpoint covering the period (a C2SP signed note) */
  readonly checkpoint: { readonly size: number; readonly root: string; readonly firstSeq: number; readonly note: string } | null;
  readonly verification: ReportVerification;
  readonly retention: { readonly auditDaysAtStart: number; readonly accessDaysAtStart: number; readonly auditDaysAtEnd: number; readonly accessDaysAtEnd: number; readonly changes: number };
  readonly counts: Readonly<Record<string, number>>;
  readonly files: readonly { readonly name: string; readonly sha256: string; readonly bytes: number }[];
}

/** One generated report as listed (from its ReportGenerated entry). */
export interface ReportListItem {
  readonly id: string;
  readonly timestamp: string;
  readonly framework: string | null;
  readonly kind: string;
  readonly period: { readonly from: string; readonly to: string } | null;
  readonly project: string | null;
  readonly manifestSha256: string | null;
  readonly verificationOk: boolean | null;
  readonly by: string | null;
}

/** GDPR subject access and erasure: one person, named by email. */
export const subjectBody = z.object({ email: emailSchema }).strict();
export type SubjectBody = z.infer<typeof subjectBody>;

export interface ErasureResult {
  /** The keyed pseudonym that now stands for the person in both logs */
  readonly pseudonym: string;
  readonly auditEntries: number;
  readonly accessEntries: number;
  readonly account: boolean;
}
