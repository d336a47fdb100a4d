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
