// Runs the live verification checks for the badge on this page (the page works without it).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("verify-again");
  const output = document.getElementById("verify-result");
  if (!button || !output) return;
  button.addEventListener("click", async () => {
    output.textContent = "Checking…";
    try {
      const response = await fetch("/api/v1/verify", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ url: button.dataset.url }),
      });
      const report = await response.json();
      if (!response.ok) {
        output.textContent = `Could not run the checks: ${report.message || response.status}`;
        return;
      }
      const failed = (report.checks || []).filter((c) => c.status === "failed").map((c) => `${c.name}: ${c.reason}`);
      output.textContent = report.valid
        ? `Verified just now: ${report.checks.filter((c) => c.status === "passed").length} checks passed.`
        : `Not valid. ${failed.join("; ")}`;
    } catch (error) {
      output.textContent = `Could not run the checks: ${error}`;
    }
  });
});
