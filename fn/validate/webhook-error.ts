// One error of cert-manager's admission webhook as the API server reports it (apimachinery's
// field.Error): the Certificate's field, the error type, the bad value and the detail text; and
// what each section of the validator (certificate-*.ts) uses to add one.
import { at, type FieldPath } from '../util/field-path.js';

export type WebhookErrorType =
  | 'Required value'
  | 'Invalid value'
  | 'Unsupported value'
  | 'Forbidden'
  | 'Too long'
  | 'Duplicate value';

export interface WebhookError {
  /** The webhook's path, e.g. `spec.ipAddresses[1]`. */
  path: FieldPath;
  type: WebhookErrorType;
  /** The bad value as Go prints it: strings quoted, numbers and durations bare. */
  value?: string;
  detail: string;
}

/** apimachinery's field.Error.Error(): `<field>: <type>[: <value>][: <detail>]`. */
export function formatWebhookError(e: WebhookError): string {
  const parts: string[] = [e.type];
  if (
    e.value !== undefined &&
    (e.type === 'Invalid value' || e.type === 'Unsupported value' || e.type === 'Duplicate value')
  )
    parts.push(e.value);
  if (e.detail !== '') parts.push(e.detail);
  return `${e.path}: ${parts.join(': ')}`;
}

/** Reports one webhook error at a path: what each section of the validator calls. */
export type Add = (path: FieldPath, type: WebhookErrorType, detail: string, value?: string) => void;

/** The Certificate's spec: where every webhook path starts. */
export const SPEC = at('spec');

/** A string as Go's %q prints it in a webhook message. */
export const goQuoted = (s: string): string => JSON.stringify(s);
/** A string field as the webhook reads it: unset or of another type, the empty string. */
export const asString = (v: unknown): string => (typeof v === 'string' ? v : '');
/** A list field as the webhook reads it: unset or of another type, an empty list. */
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
