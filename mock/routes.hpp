// The routes the stand-in serves, as a closed set: metrics are labelled by route, never by raw path.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace aria::mock {

enum class Route : std::uint8_t {
  not_found,
  method_not_allowed,
  bad_request,
  unauthorized,
  rate_limited,
  // seed dialect (the dashboard's /api proxy)
  health,
  api_status,
  agents,
  skills,
  models,
  metrics,
  sessions_create,
  sessions_delete,
  sessions_history,
  sessions_search,
  chat,
  // dashboard pages
  page_dashboard,
  page_agents,
  page_skills,
  page_sessions,
  page_schedule,
  page_status,
  page_goals,
  page_health,
  // engine dialect
  engine_session_create,
  engine_message_post,
  engine_messages_get,
  engine_session_end,
  engine_search,
  ws_chat,
  count_
};

inline constexpr std::size_t kRouteCount = static_cast<std::size_t>(Route::count_);

// The label of each route in /metrics: the path template.
inline constexpr std::array<std::string_view, kRouteCount> kRouteLabels = {
    "unmatched",
    "method_not_allowed",
    "bad_request",
    "unauthorized",
    "rate_limited",
    "/api/health",
    "/api/status",
    "/api/agents",
    "/api/skills",
    "/api/models",
    "/metrics",
    "/api/sessions",
    "/api/sessions/{id}",
    "/api/sessions/{id}/history",
    "/api/sessions/search",
    "/api/chat",
    "/dashboard",
    "/agents",
    "/skills",
    "/sessions",
    "/schedule",
    "/status",
    "/goals",
    "/health/dashboard",
    "/api/engine/chat/sessions",
    "/api/engine/chat/sessions/{id}/messages",
    "/api/engine/chat/sessions/{id}/messages",
    "/api/engine/chat/sessions/{id}",
    "/api/engine/sessions",
    "/ws/chat/{id}",
};

inline std::string_view route_label(Route r) { return kRouteLabels[static_cast<std::size_t>(r)]; }

}  // namespace aria::mock
