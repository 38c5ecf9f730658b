// The complaint form without JavaScript asks for latitude and longitude as text. With it,
// the reporter may fill both from the device's position instead. Nothing is sent anywhere
// until the form is.
(function () {
  'use strict';
  var tools = document.querySelector('[data-position-tools]');
  var lat = document.getElementById('lintang');
  var lon = document.getElementById('bujur');
  if (!tools || !lat || !lon || !('geolocation' in navigator)) return;
  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  button.textContent = tools.getAttribute('data-locate');
  var status = document.createElement('p');
  status.className = 'hint';
  status.setAttribute('role', 'status');
  button.addEventListener('click', function () {
    status.textContent = tools.getAttribute('data-locating');
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      lat.value = position.coords.latitude.toFixed(6);
      lon.value = position.coords.longitude.toFixed(6);
      status.textContent = tools.getAttribute('data-located').replace('{accuracy}', String(Math.round(position.coords.accuracy)));
      button.disabled = false;
    }, function () {
      status.textContent = tools.getAttribute('data-locate-failed');
      button.disabled = false;
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });
  tools.appendChild(button);
  tools.appendChild(status);
  tools.hidden = false;
}());
