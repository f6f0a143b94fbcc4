// Small progressive enhancements; every page works without this script.
document.addEventListener("DOMContentLoaded", () => {
  // One click, one request: disable the button while the form is being posted.
  document.querySelectorAll("form[method=post]").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      if (ev.defaultPrevented) return;
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    });
  });
  // Ending a deal cannot be undone: ask first.
  const stage = document.getElementById("to_stage");
  if (stage) {
    stage.form.addEventListener("submit", (ev) => {
      if (stage.value === "terminated" && !window.confirm("确定终止这笔交易吗？终止后不能恢复。")) ev.preventDefault();
    }, true);
  }
  document.querySelectorAll("a[data-back]").forEach((a) => {
    a.addEventListener("click", (ev) => { if (history.length > 1) { ev.preventDefault(); history.back(); } });
  });
  // An open auction re-reads its own page every few seconds and swaps in the live section only (the bid form
  // the user may be typing in stays untouched). Stops once the auction is no longer open.
  const live = document.getElementById("auction-live");
  if (live && live.dataset.poll) {
    const every = Math.max(2, Number(live.dataset.poll) || 5) * 1000;
    const poll = async () => {
      try {
        const resp = await fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" });
        if (resp.ok) {
          const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
          const fresh = doc.getElementById("auction-live");
          if (fresh) {
            document.getElementById("auction-live").replaceWith(document.importNode(fresh, true));
            const amount = document.getElementById("amount_cny");  // the hint follows the new minimum
            if (amount && fresh.dataset.minimum) amount.placeholder = "不低于 " + fresh.dataset.minimum;
            if (!fresh.dataset.poll) return;  // closed or failed: nothing more will change
          }
        }
      } catch (err) { /* offline for a moment: try again next time */ }
      window.setTimeout(poll, every);
    };
    window.setTimeout(poll, every);
  }
});
