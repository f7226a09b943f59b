// A real, certified OpenID Connect provider (panva's oidc-provider) for the single sign-on tests. Not a mock:
// discovery, PKCE, state, nonce, signed ID tokens, one-time codes and its own login and consent pages are the
// library's. Usage: node oidc_provider.mjs <port> <client_id> <client_secret> <redirect_uri>...
// Prints "ready <issuer>" once listening. Any login name signs in with any password (the library's development
// pages); a few names carry groups, so the tests can map them to roles and teams.
import Provider from "oidc-provider";

const [port, clientId, clientSecret, ...redirectUris] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const PEOPLE = {
  alice: { name: "Alice Agent", email: "alice@example.test", groups: ["it-support", "staff"] },
  bob: { name: "Bob Requester", email: "bob@example.test", groups: ["staff"] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  pkce: { required: () => true },
  scopes: ["openid", "profile", "email", "groups"],
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username"],
    email: ["email", "email_verified"],
    groups: ["groups"],
  },
  cookies: { keys: ["gongdan-tests-only"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const person = PEOPLE[id] || { name: id, email: `${id}@example.test`, groups: [] };
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, email_verified: true, ...person };
      },
    };
  },
});

provider.listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
