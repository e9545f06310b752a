// The password link carries its one-time code after "#", which browsers never send to the server
// (so it never lands in an access log): move it into the form, then out of the address bar.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("token");
  const code = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (!field || !code) return;
  field.value = code;
  history.replaceState(null, "", window.location.pathname);
});
