/** The sign-in form: a same-origin POST of the admin token; the server answers with a session cookie and a redirect. */
export function SignIn({ failed }: { failed: boolean }) {
  return (
    <form class="sign-in" method="post" action="/api/session">
      <h1>Passworks receiver</h1>
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
      {failed && (
        <p class="error" role="alert">
          That token was refused. Use the receiver's ADMIN_TOKEN.
        </p>
      )}
      <button type="submit">Sign in</button>
    </form>
  );
}
