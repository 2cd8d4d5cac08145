// The console needs no script to read or act; this only adds copy buttons to secrets shown once.
for (const button of document.querySelectorAll("button[data-copy]")) {
    const value = document.getElementById(button.dataset.copy);
    if (!value) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
        try {
            await navigator.clipboard.writeText(value.textContent.trim());
            button.textContent = "Copied";
        } catch {
            // Without clipboard access (a page served over plain HTTP elsewhere than localhost), select it for Ctrl+C.
            getSelection().selectAllChildren(value);
            button.textContent = "Selected: press Ctrl+C";
        }
    });
}
