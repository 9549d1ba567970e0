/* SystemC kernel backend, built as the plugin aimc_systemc.so so that only
 * a process that asks for it loads libsystemc (sim/core/plugin.h).
 * SystemC 2.3.4's scheduler decides which time
 * comes next. Each distinct pending time is one notification of an
 * sc_event_queue; an SC_METHOD sensitive to it wakes at that time (1 fs
 * resolution) and makes that time's FIFO bucket current. The C kernel then
 * pops the bucket in insertion order, which is seq order.
 *
 * SystemC allows one simulation per process and cannot rewind time, so:
 * one queue may ever be made per process (later allocs fail with
 * AIMC_EBACKEND), and a clear (kernel reset) keeps an offset so aimc time
 * restarts at 0 while SystemC time goes on. Every entry point catches all
 * C++ exceptions and turns them into AIMC_EBACKEND. */
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <unordered_map>
#include <vector>

#include "aimc/status.h"
#include "sim/plugins/systemc.h"

// libsystemc references sc_main even though our C main drives the
// simulation; it is never called. Defined here, in the object that loads
// libsystemc, so no program has to define it.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char **) {
  return 0;
}

namespace {

constexpr uint32_t NIL = UINT32_MAX;

// Items live in one node pool; a bucket is a FIFO list through it, so a
// new pending time costs one hash entry and no allocation of its own.
struct node {
  aimc_kq_item item;
  uint32_t next;
};
struct bucket {
  uint32_t head = NIL, tail = NIL;
  bool empty() const { return head == NIL; }
};

// The process-wide fact SystemC imposes (one elaboration, one run): not
// state of any simulation, so it cannot live in a context.
bool g_systemc_used = false;

SC_MODULE(aimc_sc_clock) {
  sc_core::sc_event_queue wake;
  aimc_time fired_abs_fs = -1;  // SystemC time of the last wake-up

  SC_CTOR(aimc_sc_clock) {
    SC_METHOD(on_wake);
    sensitive << wake;
    dont_initialize();
  }

  void on_wake() {
    fired_abs_fs = static_cast<aimc_time>(sc_core::sc_time_stamp().value());
    sc_core::sc_pause();  // hand control back to the C run loop
  }
};

struct sc_queue {
  const aimc_plugin_host *host = nullptr;
  aimc_ctx *ctx = nullptr;
  aimc_sc_clock *clock = nullptr;
  aimc_time offset_fs = 0;  // SystemC time of aimc time 0 (moves on reset)
  std::unordered_map<aimc_time, bucket> future;  // aimc time -> items
  bucket current;                                // items at current_time
  aimc_time current_time = -1;                   // -1: none made current
  size_t n = 0;
  std::vector<node> nodes;
  uint32_t free_nodes = NIL;

  // A pool node holding item (may throw bad_alloc, caught at the boundary).
  uint32_t new_node(const aimc_kq_item &item) {
    uint32_t i = free_nodes;
    if (i != NIL) {
      free_nodes = nodes[i].next;
      nodes[i] = node{item, NIL};
    } else {
      i = static_cast<uint32_t>(nodes.size());
      nodes.push_back(node{item, NIL});
    }
    return i;
  }

  void free_node(uint32_t i) {
    nodes[i].next = free_nodes;
    free_nodes = i;
  }

  void link(bucket &b, uint32_t i) {
    if (b.empty())
      b.head = i;
    else
      nodes[b.tail].next = i;
    b.tail = i;
  }

  aimc_kq_item take(bucket &b) {
    uint32_t i = b.head;
    b.head = nodes[i].next;
    if (b.head == NIL) b.tail = NIL;
    free_node(i);
    return nodes[i].item;
  }
};

aimc_time sc_now_fs() {
  return static_cast<aimc_time>(sc_core::sc_time_stamp().value());
}

sc_core::sc_time fs(aimc_time t) {
  return sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(t));
}

// Records "systemc kernel: <msg>" on ctx through the host; returns status.
__attribute__((format(printf, 4, 5))) int fail(const aimc_plugin_host *host,
                                              aimc_ctx *ctx, int status,
                                              const char *fmt, ...) {
  char msg[1024] = "systemc kernel: ";
  size_t k = std::strlen(msg);
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg + k, sizeof msg - k, fmt, ap);
  va_end(ap);
  return host->error(ctx, status, msg);
}

// Runs body; any C++ exception becomes AIMC_EBACKEND with its message.
template <class F>
int guarded(const aimc_plugin_host *host, aimc_ctx *ctx, const char *what,
            F body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(host, ctx, AIMC_ENOMEM, "out of memory in %s", what);
  } catch (const std::exception &e) {
    return fail(host, ctx, AIMC_EBACKEND, "%s: %s", what, e.what());
  } catch (...) {
    return fail(host, ctx, AIMC_EBACKEND, "%s: unknown C++ exception", what);
  }
}

int sq_push(void *qv, const aimc_kq_item *item) {
  sc_queue *q = static_cast<sc_queue *>(qv);
  return guarded(q->host, q->ctx, "push", [&]() -> int {
    uint32_t i = q->new_node(*item);
    if (item->time == q->current_time) {
      q->link(q->current, i);
    } else {
      try {
        auto [it, fresh] = q->future.try_emplace(item->time);
        if (fresh) {
          // One notification per distinct time: SystemC orders the times.
          aimc_time delay = q->offset_fs + item->time - sc_now_fs();
          try {
            q->clock->wake.notify(fs(delay));
          } catch (...) {
            q->future.erase(it);
            throw;
          }
        }
        q->link(it->second, i);
      } catch (...) {
        q->free_node(i);
        throw;
      }
    }
    q->n++;
    return AIMC_OK;
  });
}

int sq_next_time(void *qv, aimc_time *t) {
  sc_queue *q = static_cast<sc_queue *>(qv);
  if (!q->current.empty()) {
    *t = q->current_time;
    return 1;
  }
  if (q->future.empty()) return 0;
  // Ask the SystemC scheduler when its next notification is due.
  *t = sc_now_fs() + static_cast<aimc_time>(
                         sc_core::sc_time_to_pending_activity().value()) -
       q->offset_fs;
  return 1;
}

int sq_pop(void *qv, aimc_kq_item *out) {
  sc_queue *q = static_cast<sc_queue *>(qv);
  return guarded(q->host, q->ctx, "pop", [&]() -> int {
    if (q->current.empty()) {
      // Let SystemC advance to its next notification; on_wake pauses it.
      q->clock->fired_abs_fs = -1;
      sc_core::sc_start();
      aimc_time t = q->clock->fired_abs_fs - q->offset_fs;
      auto it = q->future.find(t);
      if (q->clock->fired_abs_fs < 0 || it == q->future.end())
        return fail(q->host, q->ctx, AIMC_EBACKEND,
                    "woke at %lld fs with no events", (long long)t);
      q->current = it->second;
      q->future.erase(it);
      q->current_time = t;
    }
    *out = q->take(q->current);
    q->n--;
    return AIMC_OK;
  });
}

size_t sq_size(const void *qv) { return static_cast<const sc_queue *>(qv)->n; }

int sq_clear(void *qv) {
  sc_queue *q = static_cast<sc_queue *>(qv);
  return guarded(q->host, q->ctx, "reset", [&]() -> int {
    q->clock->wake.cancel_all();
    q->future.clear();
    q->current = bucket{};
    q->nodes.clear();
    q->free_nodes = NIL;
    q->current_time = -1;
    q->n = 0;
    q->offset_fs = sc_now_fs();
    return AIMC_OK;
  });
}

void sq_free(void *qv) {
  sc_queue *q = static_cast<sc_queue *>(qv);
  if (!q) return;
  try {
    q->clock->wake.cancel_all();
  } catch (...) {
    // Nothing useful to report while freeing.
  }
  // The module stays registered with SystemC's simulation context, which
  // outlives us; deleting it after the run started is not supported.
  const aimc_plugin_host *host = q->host;
  aimc_ctx *ctx = q->ctx;
  q->~sc_queue();
  host->free(ctx, q);
}

const aimc_kq_ops SYSTEMC_OPS = {
    "systemc", sq_push, sq_next_time, sq_pop, sq_size, sq_clear, sq_free,
};

int sc_alloc(const aimc_plugin_host *host, aimc_ctx *ctx, void **qout,
             const aimc_kq_ops **ops) {
  if (g_systemc_used)
    return fail(host, ctx, AIMC_EBACKEND,
                "SystemC allows one simulation per process and this process "
                "already made one; use the native kernel or a new process");
  void *mem = host->malloc(ctx, sizeof(sc_queue));
  if (!mem) return fail(host, ctx, AIMC_ENOMEM, "out of memory");
  sc_queue *q = new (mem) sc_queue;
  q->host = host;
  q->ctx = ctx;
  int st = guarded(host, ctx, "setup", [&]() -> int {
    // Must precede every non-zero sc_time (E514 otherwise).
    sc_core::sc_set_time_resolution(1, sc_core::SC_FS);
    q->clock = new aimc_sc_clock("aimc_kernel");
    return AIMC_OK;
  });
  // Even a failed setup may have touched SystemC's global state.
  g_systemc_used = true;
  if (st) {
    q->~sc_queue();
    host->free(ctx, mem);
    return st;
  }
  *qout = q;
  *ops = &SYSTEMC_OPS;
  return AIMC_OK;
}

}  // namespace

extern "C" __attribute__((visibility("default")))
const aimc_systemc_plugin aimc_plugin_systemc = {
    {AIMC_PLUGIN_ABI, sizeof(aimc_systemc_plugin)}, sc_alloc};
