/**
 * Types of the API's JSON, written by hand from /api/v1/openapi.json (src/wikifile_transfer/web/api/*.py
 * has the pydantic models they mirror). Add the types of a new endpoint here, next to its hook in hooks.ts.
 */

/** A message with parameters; a parameter may itself be a message. */
export interface MessageRef {
  key: string;
  params: Array<string | MessageRef>;
}

/** Every text the API sends: the key and parameters, and `message` rendered in the request's language. */
export interface ApiMessage extends MessageRef {
  message: string;
}

/** The body of every 4xx/5xx answer. */
export interface ErrorResponse {
  error: ApiMessage;
  request_id: string | null;
}

// --- session (web/api/meta.py, web/api/signin.py) ---

export type SignInKind = "oauth" | "botpassword" | "local";

export interface User {
  id: number;
  username: string;
  /** `wikimedia` (OAuth, SUL), a self-hosted wiki's name, or `local`. */
  domain: string;
  lang: string | null;
  kind: SignInKind | null;
}

export interface Account {
  /** `oauth2` or `botpassword`. */
  kind: string;
  /** `*` (every Wikimedia wiki) for OAuth, else the wiki's name. */
  wiki: string;
  account: string;
}

export interface SignInOptions {
  oauth: boolean;
  bot_password: boolean;
}

/** GET /me */
export interface Me {
  user: User | null;
  csrf_token: string;
  lang: string;
  sign_in: SignInOptions;
  accounts: Account[];
}

/** POST /auth/botpassword */
export interface BotPasswordIn {
  wiki: string;
  username: string;
  password: string;
}

export interface SignedIn {
  user: User;
  wiki: string;
  linked: boolean;
  csrf_token: string;
}

/** POST /auth/logout */
export interface LogoutOut {
  forgotten: number;
  csrf_token: string;
}

// --- wikis (web/api/wikis.py) ---

export type Project =
  | "wikipedia"
  | "wiktionary"
  | "wikibooks"
  | "wikinews"
  | "wikiquote"
  | "wikisource"
  | "wikiversity"
  | "wikivoyage"
  | "special"
  | "custom";

export interface Wiki {
  /** What to send as `target` (or before `:File:X`). */
  name: string;
  dbname: string | null;
  url: string;
  project: Project | string;
  sitename: string;
  lang: string | null;
  lang_name: string | null;
  autonym: string | null;
  dir: "ltr" | "rtl";
  closed: boolean;
  configured: boolean;
}

export interface WikiList {
  items: Wiki[];
  total: number;
}

export interface WikisQuery {
  q?: string;
  lang?: string;
  project?: Project;
  include_closed?: boolean;
  limit?: number;
}

// --- transfers: one shape for the transfer screen, the batch table and the history ---

/** The verdict of one check (`source-local`, `title-free`, `duplicates`, `licence`…). */
export type CheckResult = "pass" | "warn" | "block";

/** The verdict of one check (`source-local`, `title-free`, `duplicates`, `licence`…). */
export interface CheckOut extends ApiMessage {
  id: string;
  result: CheckResult;
}

export interface EventOut extends ApiMessage {
  id: number;
  time: string;
  kind: string;
  transfer_id: number | null;
  batch_id: number | null;
  detail: string | null;
}

/** A transfer as lists show it (TransferOut of web/api/common.py). */
export interface TransferOut {
  id: number;
  batch_id: number | null;
  position: number;
  status: string;
  state: string;
  source_input: string;
  source_wiki: string | null;
  source_title: string | null;
  source_url: string | null;
  target_wiki: string;
  target_title: string | null;
  target_url: string | null;
  requested_title: string | null;
  excluded: boolean;
  error: ApiMessage | null;
  checks: CheckOut[];
  step: ApiMessage | null;
  bytes_done: number;
  bytes_total: number;
  attempts: number;
  version_count: number;
  uploaded_count: number;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  finished: boolean;
}
