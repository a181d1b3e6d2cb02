#include <offpeak/net/smtp.hpp>

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace offpeak::net {

namespace {

struct Reader {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_chunk(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* r = static_cast<Reader*>(user);
  const std::size_t n = std::min(size * count, r->data->size() - r->offset);
  std::memcpy(buffer, r->data->data() + r->offset, n);
  r->offset += n;
  return n;
}

std::string angle(const std::string& address) {
  return "<" + address + ">";
}

}  // namespace

std::string send_mail(const SmtpMessage& m) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return "cannot start libcurl";
  CURL* c = curl.get();
  char error[CURL_ERROR_SIZE] = {};
  Reader reader{&m.data};
  curl_slist* rcpt = nullptr;
  for (const auto& r : m.recipients)
    rcpt = curl_slist_append(rcpt, angle(r).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt,
                                                                         &curl_slist_free_all);
  const std::string from = angle(m.mail_from);
  curl_easy_setopt(c, CURLOPT_URL, m.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(
      c, CURLOPT_USE_SSL,
      m.require_tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_NONE));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (m.ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, m.ca_file->c_str());
  if (!m.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, m.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, m.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &read_chunk);
  curl_easy_setopt(c, CURLOPT_READDATA, &reader);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(m.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {};
  std::string out = curl_easy_strerror(rc);
  if (error[0] != '\0' && out != error) out += ": " + std::string(error);
  long reply = 0;
  if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply) == CURLE_OK && reply > 0)
    out += " (server reply " + std::to_string(reply) + ")";
  if (!m.password.empty()) {
    for (auto at = out.find(m.password); at != std::string::npos; at = out.find(m.password))
      out.replace(at, m.password.size(), "***");
  }
  return out;
}

}  // namespace offpeak::net
