// "Fill by INN" on the new-client assistant: asks the server for the registry's requisites.
(function () {
  const button = document.getElementById("registry-fill");
  if (!button) return;
  const status = document.getElementById("registry-status");
  const fields = {
    full_name: "id_full_name", short_name: "id_name", kpp: "id_kpp", ogrn: "id_ogrn",
    legal_address: "id_legal_address", management_name: "id_management_name", management_post: "id_management_post",
  };
  button.addEventListener("click", async function () {
    const inn = document.getElementById("id_inn").value.trim();
    status.textContent = "…";
    try {
      const response = await fetch(button.dataset.url + "?inn=" + encodeURIComponent(inn), {headers: {"Accept": "application/json"}});
      const body = await response.json();
      if (!response.ok) { status.textContent = body.error; status.classList.add("text-danger"); return; }
      status.classList.remove("text-danger");
      for (const [key, id] of Object.entries(fields)) {
        const input = document.getElementById(id);
        if (input && body.party[key]) input.value = body.party[key];
      }
      const kind = document.getElementById("id_counterparty_kind");
      if (kind) kind.value = body.party.kind === "individual" ? "entrepreneur" : "legal";
      status.textContent = body.party.status && body.party.status !== "active" ? body.party.status : "✓";
    } catch (error) {
      status.textContent = String(error);
    }
  });
})();
