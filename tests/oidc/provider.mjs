// A real OpenID Connect provider for the tests (panva's oidc-provider): one confidential
// client, any login accepted by its development login form, the login name used as the
// e-mail address. Started by tests/oidc_server.py on a free port; prints "ready" when up.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Claims in the ID token itself, as Entra ID sends them.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        // A login ending in "+unverified" stands for an address the provider has not checked.
        const unverified = id.endsWith('+unverified');
        const email = unverified ? id.replace('+unverified', '') : id;
        return { sub: `sub-${id}`, email, email_verified: !unverified, name: email };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['test-cookie-key'] },
  pkce: { required: () => true },
});
provider.listen(Number(port), '127.0.0.1', () => {
  console.log('ready');
});
