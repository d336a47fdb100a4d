/**
 * One hook per endpoint a screen uses, over TanStack Query. Query keys start with the endpoint's path
 * words (`["me"]`, `["wikis", query]`) so screens can invalidate what they changed.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useApi } from "./ApiProvider";
import type { ApiError } from "./errors";
import type { BotPasswordIn, LogoutOut, Me, SignedIn, WikiList, WikisQuery } from "./types";

export const meKey = ["me"] as const;

/** Who is signed in, the CSRF token and the sign-in options (GET /me). */
export function useMe() {
  const api = useApi();
  return useQuery<Me, ApiError>({ queryKey: meKey, queryFn: ({ signal }) => api.me(signal), staleTime: 60_000 });
}

/** The signed-in user, or null (undefined while /me is loading). */
export function useUser() {
  const me = useMe();
  return me.data === undefined ? undefined : me.data.user;
}

/** POST /auth/botpassword: sign in (or, when signed in, add that wiki's bot password to the user). */
export function useBotPasswordSignIn() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation<SignedIn, ApiError, BotPasswordIn>({
    mutationFn: (body) => api.post<SignedIn>("/auth/botpassword", body),
    // A new session: everything cached belonged to the previous one. A wiki added to the signed-in user
    // keeps the session: refetch in place (a reset would unmount the form and its "added" confirmation).
    onSuccess: (result) => (result.linked ? queries.invalidateQueries() : queries.resetQueries()),
  });
}

/** POST /auth/logout; `forget: true` also deletes the stored sign-ins (running items then stop). */
export function useSignOut() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation<LogoutOut, ApiError, { forget: boolean }>({
    mutationFn: (body) => api.post<LogoutOut>("/auth/logout", body),
    // /me first: screens that need a user stop asking (no round of 401s), then the old user's data goes.
    onSuccess: async () => {
      await queries.resetQueries({ queryKey: meKey });
      queries.removeQueries({ predicate: (query) => query.queryKey[0] !== meKey[0] });
    },
  });
}

/** Where "Sign in with Wikimedia" goes: a full-page redirect through Meta, back to `next`. */
export function useOAuthStartUrl(next: string): string {
  const api = useApi();
  return api.url("/auth/oauth/start", { next });
}

/** GET /wikis: wikis to pick (needs a signed-in user). */
export function useWikis(query: WikisQuery, enabled = true) {
  const api = useApi();
  return useQuery<WikiList, ApiError>({
    queryKey: ["wikis", query],
    queryFn: ({ signal }) => api.get<WikiList>("/wikis", { query: { ...query }, signal }),
    enabled,
    staleTime: 5 * 60_000,
    placeholderData: (previous) => previous,
  });
}
