// A quiet banner instead of Blazor's modal: the lobby stays visible (and scrollable) while the circuit comes back.
const banner = document.getElementById("components-reconnect-modal");
banner.addEventListener("components-reconnect-state-changed", onStateChanged);
document.getElementById("components-reconnect-button").addEventListener("click", retry);
document.getElementById("components-resume-button").addEventListener("click", resume);

function onStateChanged(event) {
    if (event.detail.state === "failed") {
        document.addEventListener("visibilitychange", retryWhenVisible);
    } else if (event.detail.state === "rejected") {
        // The server no longer knows this circuit: a fresh page is the quickest way back.
        location.reload();
    }
}

async function retry() {
    document.removeEventListener("visibilitychange", retryWhenVisible);
    try {
        const reconnected = await Blazor.reconnect();
        if (!reconnected && !(await Blazor.resumeCircuit())) {
            location.reload();
        }
    } catch {
        document.addEventListener("visibilitychange", retryWhenVisible);
    }
}

async function resume() {
    try {
        if (!(await Blazor.resumeCircuit())) {
            location.reload();
        }
    } catch {
        banner.classList.replace("components-reconnect-paused", "components-reconnect-resume-failed");
    }
}

async function retryWhenVisible() {
    if (document.visibilityState === "visible") {
        await retry();
    }
}
