/* The seed's alarm service, as a consumer of mailboxd's events (docs/events.md): on each
 * Sent it alarms the sender, on each Saved the receiver, by printing a line. A durable
 * JetStream consumer keeps its place in the stream, so after a restart it goes on where
 * it stopped. With --watch it prints every event of the stream from the first instead,
 * as `kafka-console-consumer --topic mailbox --from-beginning` did.
 *
 *   alarm-service [--server nats://127.0.0.1:4222] [--stream MAILBOX_EVENTS]
 *                 [--subject mailbox.events] [--durable alarm-service] [--watch]
 *
 * The C client of NATS (libnats); Debian: libnats-dev. */
#include <nats/nats.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

/* The string value of a top-level "key" in a flat JSON object, unescaped for the few
 * escapes JSON strings use; the events' keys are never inside another string (a quote
 * in a string is escaped). Empty when missing. */
static void json_string(const char* json, int len, const char* key, char* out, size_t size) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  out[0] = '\0';
  const char* end = json + len;
  const char* at = NULL;
  for (const char* p = json; p + strlen(pattern) <= end; ++p)
    if (memcmp(p, pattern, strlen(pattern)) == 0) {
      at = p + strlen(pattern);
      break;
    }
  if (at == NULL) return;
  size_t n = 0;
  for (const char* p = at; p < end && *p != '"' && n + 1 < size; ++p) {
    if (*p == '\\' && p + 1 < end) ++p;
    out[n++] = *p;
  }
  out[n] = '\0';
}

static void print_alarm(natsMsg* msg) {
  const char* data = natsMsg_GetData(msg);
  int len = natsMsg_GetDataLength(msg);
  char type[32], id[64], user[64], receiver[64];
  json_string(data, len, "eventType", type, sizeof type);
  json_string(data, len, "id", id, sizeof id);
  json_string(data, len, "user", user, sizeof user);
  json_string(data, len, "receiver", receiver, sizeof receiver);
  if (strcmp(type, "Sent") == 0)
    printf("alarm to %s: your message %s to %s was sent\n", user, id, receiver);
  else if (strcmp(type, "Saved") == 0)
    printf("alarm to %s: a message %s from %s arrived\n", receiver, id, user);
  fflush(stdout);
}

static void usage(void) {
  fprintf(stderr,
          "usage: alarm-service [--server URL] [--stream NAME] [--subject PREFIX] [--durable NAME] [--watch]\n");
}

int main(int argc, char** argv) {
  const char* server = "nats://127.0.0.1:4222";
  const char* stream = "MAILBOX_EVENTS";
  const char* prefix = "mailbox.events";
  const char* durable = "alarm-service";
  int watch = 0;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (strcmp(a, "--watch") == 0) {
      watch = 1;
    } else if (i + 1 < argc && strcmp(a, "--server") == 0) {
      server = argv[++i];
    } else if (i + 1 < argc && strcmp(a, "--stream") == 0) {
      stream = argv[++i];
    } else if (i + 1 < argc && strcmp(a, "--subject") == 0) {
      prefix = argv[++i];
    } else if (i + 1 < argc && strcmp(a, "--durable") == 0) {
      durable = argv[++i];
    } else {
      usage();
      return 2;
    }
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  char subject[256];
  snprintf(subject, sizeof subject, "%s.>", prefix);
  natsConnection* nc = NULL;
  jsCtx* js = NULL;
  natsSubscription* sub = NULL;
  jsErrCode jerr = 0;
  natsStatus s = natsConnection_ConnectTo(&nc, server);
  if (s == NATS_OK) s = natsConnection_JetStream(&js, nc, NULL);
  if (s == NATS_OK) {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream;
    if (watch) {
      /* Every event from the first, in order; nothing kept on the server. */
      so.Ordered = true;
      so.Config.DeliverPolicy = js_DeliverAll;
      s = js_SubscribeSync(&sub, js, subject, NULL, &so, &jerr);
    } else {
      /* A durable pull consumer: the server keeps what was acknowledged. */
      so.Config.AckPolicy = js_AckExplicit;
      s = js_PullSubscribe(&sub, js, subject, durable, NULL, &so, &jerr);
    }
  }
  if (s != NATS_OK) {
    fprintf(stderr, "alarm-service: %s: %s (JetStream error %d)\n", server, natsStatus_GetText(s), (int)jerr);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return 1;
  }
  fprintf(stderr, "alarm-service: %s %s on %s\n", watch ? "watching" : "following, as durable", watch ? subject : durable,
          server);

  while (!stopping) {
    if (watch) {
      natsMsg* msg = NULL;
      s = natsSubscription_NextMsg(&msg, sub, 500);
      if (s == NATS_OK) {
        printf("%.*s\n", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
        fflush(stdout);
      }
      natsMsg_Destroy(msg);
    } else {
      natsMsgList list = {0};
      s = natsSubscription_Fetch(&list, sub, 64, 500, &jerr);
      for (int i = 0; s == NATS_OK && i < list.Count; ++i) {
        print_alarm(list.Msgs[i]);
        /* Acknowledged once handled: a crash before repeats it (at least once; drop
         * repeats by the event id, Mailbox-Event-Id). */
        natsStatus acked = natsMsg_Ack(list.Msgs[i], NULL);
        if (acked != NATS_OK) fprintf(stderr, "alarm-service: ack: %s\n", natsStatus_GetText(acked));
      }
      natsMsgList_Destroy(&list);
    }
    if (s != NATS_OK && s != NATS_TIMEOUT && !stopping) {
      fprintf(stderr, "alarm-service: %s; retrying\n", natsStatus_GetText(s));
      nats_Sleep(500);
    }
  }
  natsSubscription_Destroy(sub);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  nats_Close();
  return 0;
}
