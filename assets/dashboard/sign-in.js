// The sign-in form of a dashboard behind gateway API keys: the key goes to POST <base>/session once, which answers
// with an HttpOnly session cookie; the page then reloads as the dashboard. Plain ES module.
const form = document.getElementById('sign-in');
const error = form.querySelector('.error');

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  error.hidden = true;
  const key = new FormData(form).get('key');
  const res = await fetch(`${form.dataset.base}/session`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  }).catch((err) => ({ ok: false, json: async () => ({ error: { message: err.message } }) }));
  if (res.ok) {
    // fetch resolves on the headers; reloading before the (empty) body has ended cancels the request, which the
    // browser then reports as aborted. Reading the body waits for its end.
    await res.arrayBuffer().catch(() => undefined);
    location.reload();
    return;
  }
  const doc = await res.json().catch(() => undefined);
  error.textContent = doc?.error?.message ?? 'The key was not accepted.';
  error.hidden = false;
});
