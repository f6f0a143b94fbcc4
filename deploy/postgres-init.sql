-- Each service owns its data: separate databases for registry and gateway.
CREATE DATABASE registry;
CREATE DATABASE gateway;
