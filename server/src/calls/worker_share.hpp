// Fair share of the I/O workers. Calls run inline on the worker that read the
// request, so a plugin whose calls are slow (or spin until their deadline)
// could otherwise occupy every worker and starve all other plugins. A plugin
// may occupy at most `worker_cap` workers at once (limits.max_worker_share
// percent of them, rounded up, at least one); a call beyond that is parked
// and retried on its own worker for a short while (the worker keeps serving
// its other connections), then refused with 503 and Retry-After.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace hookd::server {

class IoWorker;

// Workers one plugin may occupy at once: `share_percent` of `io_workers`,
// rounded up, at least 1 (and at most all of them).
uint32_t worker_cap(uint32_t share_percent, size_t io_workers);

// How long a call at its plugin's share may wait for one of that plugin's
// calls to finish before it is refused: a tenth of the plugin's deadline.
// Long enough that a short call whose thread the OS preempted does not get
// other workers' calls of the same plugin refused.
std::chrono::steady_clock::duration share_wait(std::chrono::milliseconds deadline);

// Worker thread only: runs `fn` on `w` again soon. A call parked only just now
// is most likely blocked by another worker's short call of the same plugin,
// so it is retried right after what is already queued on the worker; later
// retries come every 0.5 to 4 ms, backing off as the wait grows.
void retry_parked(IoWorker& w, std::chrono::steady_clock::time_point arrived, std::function<void()> fn);

}  // namespace hookd::server
