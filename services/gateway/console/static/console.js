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
});
